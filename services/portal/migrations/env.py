from portal_svc.models import metadata
from portal_svc.settings import Settings

from crm_platform.migrations_env import run_migrations

run_migrations(metadata, Settings())
