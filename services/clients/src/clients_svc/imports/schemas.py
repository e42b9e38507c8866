"""Request and response models of import and export."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clients_svc.imports.docs import IMPORT_EXAMPLE, MAPPING_DESCRIPTION, MAPPING_EXAMPLE
from clients_svc.schemas_common import (
    Strict,
)

ImportField = Annotated[str, StringConstraints(pattern=r"^[a-z_]+(\.[a-z][a-z0-9_]*)?$")]


class ImportOptions(Strict):
    format: Literal["csv", "xlsx"]
    mapping: dict[ImportField, Annotated[str, StringConstraints(min_length=1, max_length=200)]] = (
        Field(description=MAPPING_DESCRIPTION, examples=[MAPPING_EXAMPLE])
    )
    dry_run: bool = Field(
        default=True, description="true: only report what would be imported and every bad row"
    )
    delimiter: Literal[",", ";", "\t"] | None = Field(
        default=None, description="CSV only: the column separator (guessed when left out)"
    )
    skip_invalid: bool = Field(
        default=False,
        description=(
            "false: all or nothing (a bad row refuses the file); true: the rows without "
            "errors are imported and every bad row is left out and reported"
        ),
    )

    model_config = ConfigDict(extra="forbid")


class ImportPreviewIn(BaseModel):
    format: Literal["csv", "xlsx"]
    delimiter: Literal[",", ";", "\t"] | None = Field(
        default=None, description="CSV only: the column separator (guessed when left out)"
    )
    content_base64: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="the file's bytes, base64-encoded"
    )

    model_config = ConfigDict(extra="forbid")


class ImportPreview(BaseModel):
    """What a column-mapping screen needs: the file's columns (its first row) and a few of
    its rows."""

    columns: list[str]
    rows: int
    sample: list[list[str]]


class ImportIn(ImportOptions):
    content_base64: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="the file's bytes, base64-encoded"
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [IMPORT_EXAMPLE]},
    )


class RowProblem(BaseModel):
    row: int
    field: str
    message: str


class ImportReport(BaseModel):
    dry_run: bool
    rows: int
    valid: int
    imported: int
    new_tags: list[str]
    errors: list[RowProblem]
    warnings: list[RowProblem]
