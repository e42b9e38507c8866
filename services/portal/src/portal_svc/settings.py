from typing import Self

from pydantic import Field, model_validator

from crm_platform.settings import InsecureSettingsError, ServiceSettings, service_config

# Published on purpose for development; refused when environment=production.
DEV_FILE_LINK_SECRET = "dev-only-portal-file-link-secret"


class Settings(ServiceSettings):
    model_config = service_config("PORTAL_")

    service_name: str = "portal"
    # Signs the short-lived links to knowledge-centre files.
    file_link_secret: str = DEV_FILE_LINK_SECRET
    file_link_ttl_seconds: int = Field(default=300, ge=10, le=3600)
    max_file_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Knowledge-centre files go to this S3-compatible bucket when it is set, else into the
    # portal's own database. The endpoint is for MinIO, Ceph and the like (empty: AWS S3);
    # empty keys use the environment's credentials (an instance role, AWS_* variables).
    files_s3_bucket: str = ""
    files_s3_endpoint_url: str = ""
    files_s3_region: str = "us-east-1"
    files_s3_access_key_id: str = ""
    files_s3_secret_access_key: str = ""
    files_s3_prefix: str = "knowledge/"
    # Overviews kept in each process (overview/cache.py); 0 computes every one afresh.
    overview_cache_entries: int = Field(default=10_000, ge=0)

    @model_validator(mode="after")
    def _refuse_dev_file_link_secret(self) -> Self:
        if self.environment == "production" and self.file_link_secret == DEV_FILE_LINK_SECRET:
            raise InsecureSettingsError("file_link_secret must be set when environment=production")
        return self
