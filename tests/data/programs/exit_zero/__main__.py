"""Declares a bucket, then quits with sys.exit(0) before declaring the rest."""

import sys

import pulumi_aws as aws

aws.s3.Bucket("logs")
sys.exit(0)
aws.s3.Bucket("never-declared")
