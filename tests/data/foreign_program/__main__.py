"""A small program with classic mistakes, used to prove storagectl works on foreign programs."""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()

# A bucket with no encryption, no versioning, no public access block, no TLS policy.
bucket = aws.s3.Bucket("assets", tags={"team": "web"})

# An unencrypted, publicly accessible database with a password from config.
db = aws.rds.Instance(
    "legacy-db",
    engine="mysql",
    engine_version="8.0",
    instance_class="db.t3.micro",
    allocated_storage=20,
    username="admin",
    password=config.require_secret("dbPassword"),
    publicly_accessible=True,
    storage_encrypted=False,
    skip_final_snapshot=True,
)

# A key without rotation.
key = aws.kms.Key("legacy-key", enable_key_rotation=False, deletion_window_in_days=7)

# A role anyone can assume, with a wildcard policy.
role = aws.iam.Role(
    "legacy-role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
aws.iam.RolePolicy(
    "legacy-role-policy",
    role=role.id,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    ),
)

pulumi.export("bucket", bucket.bucket)
pulumi.export("dbEndpoint", db.endpoint)
pulumi.export("apiToken", pulumi.Output.secret(config.require("apiToken")))
