"""pulumi-aws v7 type tokens the pack judges (with the deprecated ``V2`` aliases)."""

from __future__ import annotations


def _s3(name: str, *, v2: bool = True) -> tuple[str, ...]:
    upper = name[0].upper() + name[1:]
    tokens = (f"aws:s3/{name}:{upper}",)
    return (*tokens, f"aws:s3/{name}V2:{upper}V2") if v2 else tokens


S3_BUCKET = _s3("bucket")
S3_PUBLIC_ACCESS_BLOCK = _s3("bucketPublicAccessBlock", v2=False)
S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = _s3("accountPublicAccessBlock", v2=False)
S3_ENCRYPTION = _s3("bucketServerSideEncryptionConfiguration")
S3_VERSIONING = _s3("bucketVersioning")
S3_POLICY = _s3("bucketPolicy", v2=False)
S3_ACL = _s3("bucketAcl")
S3_LOGGING = _s3("bucketLogging")
S3_LIFECYCLE = _s3("bucketLifecycleConfiguration")
S3_REPLICATION = _s3("bucketReplicationConfig", v2=False)
S3_OBJECT_LOCK = _s3("bucketObjectLockConfiguration")
S3_OWNERSHIP = _s3("bucketOwnershipControls", v2=False)

RDS_INSTANCE = ("aws:rds/instance:Instance",)
RDS_CLUSTER = ("aws:rds/cluster:Cluster",)
RDS_CLUSTER_INSTANCE = ("aws:rds/clusterInstance:ClusterInstance",)
RDS_GLOBAL_CLUSTER = ("aws:rds/globalCluster:GlobalCluster",)
RDS_PARAMETER_GROUP = ("aws:rds/parameterGroup:ParameterGroup",)

ELASTICACHE_REPLICATION_GROUP = ("aws:elasticache/replicationGroup:ReplicationGroup",)
ELASTICACHE_CLUSTER = ("aws:elasticache/cluster:Cluster",)
ELASTICACHE_USER = ("aws:elasticache/user:User",)
ELASTICACHE_SERVERLESS = ("aws:elasticache/serverlessCache:ServerlessCache",)

DYNAMODB_TABLE = ("aws:dynamodb/table:Table",)
#: A replica declared on its own, with a provider of the replica's region.
DYNAMODB_TABLE_REPLICA = ("aws:dynamodb/tableReplica:TableReplica",)
APPAUTOSCALING_TARGET = ("aws:appautoscaling/target:Target",)
APPAUTOSCALING_POLICY = ("aws:appautoscaling/policy:Policy",)

DOCDB_CLUSTER = ("aws:docdb/cluster:Cluster",)
DOCDB_CLUSTER_PARAMETER_GROUP = ("aws:docdb/clusterParameterGroup:ClusterParameterGroup",)
#: DocumentDB shares the RDS snapshot API; `aws.rds.ClusterSnapshot` can share (publish) one.
RDS_CLUSTER_SNAPSHOT = ("aws:rds/clusterSnapshot:ClusterSnapshot",)

KMS_KEY = ("aws:kms/key:Key",)
KMS_REPLICA_KEY = ("aws:kms/replicaKey:ReplicaKey",)
KMS_KEY_POLICY = ("aws:kms/keyPolicy:KeyPolicy",)
KMS_KEYS = KMS_KEY + KMS_REPLICA_KEY

IAM_ROLE = ("aws:iam/role:Role",)
IAM_POLICY = ("aws:iam/policy:Policy",)
IAM_ROLE_POLICY = ("aws:iam/rolePolicy:RolePolicy",)
IAM_USER_POLICY = ("aws:iam/userPolicy:UserPolicy",)
IAM_GROUP_POLICY = ("aws:iam/groupPolicy:GroupPolicy",)
IAM_ROLE_POLICY_ATTACHMENT = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment",)
IAM_USER_POLICY_ATTACHMENT = ("aws:iam/userPolicyAttachment:UserPolicyAttachment",)
IAM_POLICY_ATTACHMENT = ("aws:iam/policyAttachment:PolicyAttachment",)
#: Inline policies: documents embedded in one principal rather than customer managed.
IAM_INLINE_POLICIES = IAM_ROLE_POLICY + IAM_USER_POLICY + IAM_GROUP_POLICY

#: Resources whose loss loses data (or, for keys, makes data unreadable).
STATEFUL = (
    S3_BUCKET
    + RDS_INSTANCE
    + RDS_CLUSTER
    + RDS_GLOBAL_CLUSTER
    + ELASTICACHE_REPLICATION_GROUP
    + ELASTICACHE_SERVERLESS
    + KMS_KEYS
    + DYNAMODB_TABLE
    + DOCDB_CLUSTER
)

#: Storage-tier resources that accept `tags` in pulumi-aws v7 (tests check each against the SDK).
TAGGABLE = (
    S3_BUCKET[:1]
    + RDS_INSTANCE
    + RDS_CLUSTER
    + RDS_CLUSTER_INSTANCE
    + RDS_GLOBAL_CLUSTER
    + RDS_PARAMETER_GROUP
    + (
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        "aws:rds/subnetGroup:SubnetGroup",
        "aws:rds/optionGroup:OptionGroup",
        "aws:rds/eventSubscription:EventSubscription",
    )
    + ELASTICACHE_REPLICATION_GROUP
    + ELASTICACHE_CLUSTER
    + ELASTICACHE_USER
    + ELASTICACHE_SERVERLESS
    + (
        "aws:elasticache/userGroup:UserGroup",
        "aws:elasticache/subnetGroup:SubnetGroup",
        "aws:elasticache/parameterGroup:ParameterGroup",
    )
    + KMS_KEYS
    + DYNAMODB_TABLE
    + APPAUTOSCALING_TARGET
    + DOCDB_CLUSTER
    + (
        "aws:docdb/clusterInstance:ClusterInstance",
        "aws:docdb/subnetGroup:SubnetGroup",
    )
    + DOCDB_CLUSTER_PARAMETER_GROUP
    + ()
    + IAM_ROLE
    + IAM_POLICY
    + (
        "aws:iam/user:User",
        "aws:secretsmanager/secret:Secret",
        "aws:ec2/securityGroup:SecurityGroup",
    )
)
