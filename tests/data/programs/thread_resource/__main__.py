"""Declares a bucket from a thread, which fails there: the plan would silently lack it."""

import threading

import pulumi_aws as aws

worker = threading.Thread(target=lambda: aws.s3.Bucket("from-thread"))
worker.start()
worker.join()
aws.s3.Bucket("logs")
