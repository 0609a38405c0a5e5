"""Credentials in every shape a plan holds them; none of them may reach any output."""

import json

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

config = pulumi.Config()
db_password = config.require("dbPassword")
app_secret = config.require("appSecret")
api_token = config.require("apiToken")
wrapped = pulumi.Output.secret(config.require("wrapped"))

# A parameter list entry whose *name* is the credential key.
aws.rds.ParameterGroup(
    "app-params",
    family="postgres16",
    parameters=[
        {"name": "app.password", "value": app_secret},
        {"name": "log_min_duration_statement", "value": "500"},
    ],
)

# A name/value resource at the top level: the parameter's name says what its value is.
aws.ssm.Parameter("db-password", name="/app/db-password", type="String", value=db_password)

# A JSON-encoded document with a credential inside a name/value list.
aws.ecs.TaskDefinition(
    "app-task",
    family="app",
    container_definitions=json.dumps(
        [
            {
                "name": "app",
                "image": "app:1",
                "environment": [{"name": "API_TOKEN", "value": api_token}],
            }
        ]
    ),
)

# Tags are data: a credential-named tag hides its value.
aws.s3.Bucket("assets", tags={"apiToken": api_token, "team": "web"})

# Kubernetes: a ConfigMap entry named like a credential, and a Secret's data.
k8s.core.v1.ConfigMap("app-config", data={"DB_PASSWORD": db_password, "LOG_LEVEL": "info"})
k8s.core.v1.Secret(
    "app-secret", string_data={"url": wrapped.apply(lambda w: f"postgres://app:{w}@db/app")}
)

# The program logs what it should not.
pulumi.log.warn(f"connecting with password={db_password}")
wrapped.apply(lambda w: pulumi.log.warn(f"wrapped value is {w}"))

pulumi.export("dbPassword", db_password)
pulumi.export("connection", wrapped)
pulumi.export("settings", {"region": "eu-central-1", "apiToken": api_token})
