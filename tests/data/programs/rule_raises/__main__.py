"""One database with a plaintext password: a rule that raises quoting it must not leak it."""

import pulumi_aws as aws

aws.rds.Instance(
    "db",
    engine="postgres",
    instance_class="db.t4g.micro",
    allocated_storage=20,
    username="app",
    password="plaintext-pw-7f3a9c",
)
