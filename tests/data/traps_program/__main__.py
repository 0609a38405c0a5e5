"""One of each problem the policy pack's depth rules catch, written as users write programs.

Each resource carries exactly one of them (named in its comment), so a test can pin that
each is reported once, by one rule.
"""

import json

import pulumi
import pulumi_aws as aws

dr = aws.Provider("dr", region="eu-central-1")

# Redis 7 with neither a user group nor an AUTH token: anyone who reaches the port is in.
aws.elasticache.ReplicationGroup(
    "open-cache",
    description="sessions",
    engine="redis",
    engine_version="7.1",
    node_type="cache.t4g.small",
    subnet_group_name="private",
    at_rest_encryption_enabled=True,
    transit_encryption_enabled=True,
    snapshot_retention_limit=1,
    opts=pulumi.ResourceOptions(ignore_changes=["engineVersion"]),
)

# A bucket policy giving another account's root every S3 action, and a tag naming a token.
shared = aws.s3.Bucket("shared", tags={"team": "web", "deploy-token": "tok-3f9a1c77e2"})
aws.s3.BucketPolicy(
    "shared-policy",
    bucket=shared.id,
    policy=shared.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                        "Action": "s3:*",
                        "Resource": [arn, f"{arn}/*"],
                    }
                ],
            }
        )
    ),
)

# A minor version pinned while minor upgrades are automatic (the RDS default).
aws.rds.Instance(
    "pinned-db",
    engine="postgres",
    engine_version="16.4",
    instance_class="db.t4g.micro",
    allocated_storage=20,
    manage_master_user_password=True,
    username="app_admin",
    skip_final_snapshot=True,
)

# A final snapshot name that every replacement reuses.
aws.rds.Instance(
    "snapshot-db",
    engine="postgres",
    engine_version="16",
    instance_class="db.t4g.micro",
    allocated_storage=20,
    manage_master_user_password=True,
    username="app_admin",
    final_snapshot_identifier="snapshot-db-final",
)

# ON where an RDS for MySQL instance parameter group takes 1.
aws.rds.ParameterGroup(
    "mysql-params",
    family="mysql8.0",
    parameters=[{"name": "require_secure_transport", "value": "ON"}],
)

# A multi-Region key whose policy does not allow kms:ReplicateKey.
aws.kms.Key(
    "mr-key",
    multi_region=True,
    enable_key_rotation=True,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": ["kms:Describe*", "kms:Put*", "kms:Encrypt", "kms:Decrypt"],
                    "Resource": "*",
                }
            ],
        }
    ),
)

# A replica that never expires what its source expires after 30 days.
source = aws.s3.Bucket("source")
replica = aws.s3.Bucket("replica", opts=pulumi.ResourceOptions(provider=dr))
aws.s3.BucketLifecycleConfiguration(
    "source-lifecycle",
    bucket=source.id,
    rules=[{"id": "expire", "status": "Enabled", "filter": {}, "expiration": {"days": 30}}],
)
role = aws.iam.Role(
    "replication-role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    ),
)
aws.s3.BucketReplicationConfig(
    "source-replication",
    bucket=source.id,
    role=role.arn,
    rules=[{"id": "dr", "status": "Enabled", "filter": {}, "destination": {"bucket": replica.arn}}],
)

pulumi.export("cache", "open-cache")
