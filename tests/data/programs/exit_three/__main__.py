"""Quits with sys.exit(3): the driver must not pass this exit code on."""

import sys

import pulumi_aws as aws

aws.s3.Bucket("logs")
sys.exit(3)
