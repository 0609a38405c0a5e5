"""Allocates 1 GiB at once: beyond a small memory ceiling."""

import pulumi_aws as aws

ballast = bytearray(1024**3)
aws.s3.Bucket("logs")
