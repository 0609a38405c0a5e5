"""Writes to stdout and stderr in every way a program can: none of it may reach the plan."""

import os
import subprocess
import sys

import pulumi
import pulumi_aws as aws

print("print to stdout")
print("print to stderr", file=sys.stderr)
os.write(1, b"os.write to fd 1\n")
subprocess.run(["echo", "subprocess echo"], check=True)
print("{not json")
print("token:", pulumi.Config().require("apiToken"))
aws.s3.Bucket("logs")
pulumi.export("bucket", "logs")
