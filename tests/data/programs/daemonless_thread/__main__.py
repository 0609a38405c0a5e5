"""Leaves a non-daemon thread running: it must not keep the driver alive."""

import threading
import time

import pulumi
import pulumi_aws as aws

threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()
aws.s3.Bucket("logs")
pulumi.export("bucket", "logs")
