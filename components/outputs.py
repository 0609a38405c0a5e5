"""Names of the stack outputs, shared by the program and the post-deploy checks.

`__main__.py` exports one top-level output per store kind; each is a mapping from the
store's logical name (its key in the stack file) to a mapping of the fields below.
`storagectl verify` reads the very same keys from `pulumi stack output --json
--show-secrets`, so a rename here is a rename everywhere.

Shape (``pulumi stack output --json``)::

    {
      "environment": {"name": "prod", "tier": "prod", "region": "eu-west-1",
                      "drRegion": "eu-central-1", "accountId": "123456789012"},
      "keys":      {"<data class>": {"arn", "aliasName", "drArn"}},
      "buckets":   {"<logical>": {"name", "arn", "region", "kmsKeyArn",
                                  "drName", "drArn", "drRegion", "drKmsKeyArn",
                                  "logBucketName"}},
      "databases": {"<logical>": {"engine", "flavour", "writerEndpoint",
                                  "readerEndpoint", "replicaEndpoints", "drEndpoint",
                                  "port", "databaseName", "resourceId", "identifier",
                                  "arn", "masterSecretArn", "kmsKeyArn",
                                  "replicaIdentifiers", "drIdentifier", "iamUsers",
                                  "iamUserBootstrap"}},
      "caches":    {"<logical>": {"engine", "primaryEndpoint", "readerEndpoint",
                                  "port", "replicationGroupId", "arn", "userGroupId",
                                  "userIds", "userSecretArns", "kmsKeyArn"}},
      "roles":     {"<application>": {"arn", "name"}}
    }

Endpoints are host names without the port; ``port`` is separate.
"""

from __future__ import annotations

from typing import Final

# Top-level stack outputs.
ENVIRONMENT: Final = "environment"
KEYS: Final = "keys"
BUCKETS: Final = "buckets"
DATABASES: Final = "databases"
CACHES: Final = "caches"
ROLES: Final = "roles"

# environment.*
ENV_NAME: Final = "name"
ENV_TIER: Final = "tier"
ENV_REGION: Final = "region"
ENV_DR_REGION: Final = "drRegion"
ENV_ACCOUNT_ID: Final = "accountId"

# keys.<class>.*
KEY_ARN: Final = "arn"
KEY_ALIAS_NAME: Final = "aliasName"
KEY_DR_ARN: Final = "drArn"

# buckets.<logical>.*
BUCKET_NAME: Final = "name"
BUCKET_ARN: Final = "arn"
BUCKET_REGION: Final = "region"
BUCKET_KMS_KEY_ARN: Final = "kmsKeyArn"
BUCKET_DR_NAME: Final = "drName"
BUCKET_DR_ARN: Final = "drArn"
BUCKET_DR_REGION: Final = "drRegion"
BUCKET_DR_KMS_KEY_ARN: Final = "drKmsKeyArn"
BUCKET_LOG_BUCKET_NAME: Final = "logBucketName"

# databases.<logical>.*
DB_ENGINE: Final = "engine"
DB_FLAVOUR: Final = "flavour"
DB_WRITER_ENDPOINT: Final = "writerEndpoint"
DB_READER_ENDPOINT: Final = "readerEndpoint"
DB_REPLICA_ENDPOINTS: Final = "replicaEndpoints"
DB_DR_ENDPOINT: Final = "drEndpoint"
DB_PORT: Final = "port"
DB_NAME: Final = "databaseName"
DB_RESOURCE_ID: Final = "resourceId"
DB_IDENTIFIER: Final = "identifier"
DB_ARN: Final = "arn"
DB_MASTER_SECRET_ARN: Final = "masterSecretArn"
DB_KMS_KEY_ARN: Final = "kmsKeyArn"
DB_REPLICA_IDENTIFIERS: Final = "replicaIdentifiers"
DB_DR_IDENTIFIER: Final = "drIdentifier"
# The database users applications connect as (IAM authentication), sorted; each must exist
# in the database and be IAM-enabled, which the statements in `iamUserBootstrap` ensure
# (components/database_users.py). `storagectl verify` checks them.
DB_IAM_USERS: Final = "iamUsers"
DB_IAM_USER_BOOTSTRAP: Final = "iamUserBootstrap"

# caches.<logical>.*
CACHE_ENGINE: Final = "engine"
CACHE_PRIMARY_ENDPOINT: Final = "primaryEndpoint"
CACHE_READER_ENDPOINT: Final = "readerEndpoint"
CACHE_PORT: Final = "port"
CACHE_REPLICATION_GROUP_ID: Final = "replicationGroupId"
CACHE_ARN: Final = "arn"
CACHE_USER_GROUP_ID: Final = "userGroupId"
CACHE_USER_IDS: Final = "userIds"
CACHE_KMS_KEY_ARN: Final = "kmsKeyArn"
# Only for caches whose users authenticate with passwords: {application: secret ARN}; the
# secret value is JSON {"username", "password"} kept in Secrets Manager, never in config.
CACHE_USER_SECRET_ARNS: Final = "userSecretArns"

# roles.<application>.*
ROLE_ARN: Final = "arn"
ROLE_NAME: Final = "name"
