"""The database users that applications connect as with IAM authentication, as SQL.

`rds-db:connect` lets a role *ask* for a token; the database accepts it only for a user
that exists and is IAM-enabled (AWS, "Creating a database account using IAM
authentication"): on PostgreSQL a login role that is a member of `rds_iam`, on MySQL a user
identified with `AWSAuthenticationPlugin`. Neither RDS nor the AWS provider creates them.

Who runs this, and why not Pulumi: the databases are private (no public endpoint, clients
admitted by security group only), so a `postgresql`/`mysql` Pulumi provider would need the
machine running `pulumi up` inside the VPC, and the master password in the program and
its state. Instead, each database's stack output carries the statements below
(`databases.<name>.iamUserBootstrap`); an operator runs them once as the master user from a
host inside the VPC (README, "Deploying for real"), and again after a grant names a new
user. They are idempotent: running them twice changes nothing. What each user may do in
the schema is the application's own migrations' business, not this collection's.

User names are validated by the spec (`^[a-z][a-z0-9_]{0,62}$`), so quoting them as
identifiers is enough; nothing else from the stack file reaches the SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_USER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _checked(users: Iterable[str]) -> list[str]:
    names = sorted(set(users))
    bad = [u for u in names if not _USER.match(u)]
    if bad:
        raise ValueError(f"not a database user name: {bad}")
    return names


def postgres_statements(users: Iterable[str]) -> list[str]:
    """PostgreSQL: a login role per user, member of `rds_iam` (no password: IAM tokens only)."""
    statements = []
    for user in _checked(users):
        statements += [
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{user}') THEN "
            f'CREATE ROLE "{user}" LOGIN; '
            "END IF; END $$;",
            f'ALTER ROLE "{user}" LOGIN PASSWORD NULL;',
            f'GRANT rds_iam TO "{user}";',
        ]
    return statements


def mysql_statements(users: Iterable[str]) -> list[str]:
    """MySQL (RDS and Aurora): a user per name, authenticated by the RDS IAM plugin, TLS only."""
    statements = []
    for user in _checked(users):
        statements += [
            f"CREATE USER IF NOT EXISTS '{user}'@'%' "
            "IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS';",
            f"ALTER USER '{user}'@'%' REQUIRE SSL;",
        ]
    return statements


def bootstrap_sql(engine: str, users: Iterable[str]) -> str:
    """The statements for `engine` (`postgres` or `mysql`), one per line, or "" for none."""
    statements = postgres_statements(users) if engine == "postgres" else mysql_statements(users)
    return "\n".join(statements) + ("\n" if statements else "")
