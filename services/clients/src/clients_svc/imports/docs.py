"""What the import's API documentation shows its users: the column mapping and an example."""

from __future__ import annotations

import base64
from typing import Any

from clients_svc.domain.importing import FIELDS

MAPPING_DESCRIPTION = (
    "Which column of the file holds each field of the client card: the field's name, then the "
    "column's header exactly as it is in the first row of the file. Fields: "
    + ", ".join(FIELDS)
    + "; a custom field of the organisation as custom.<key>. Columns not named are ignored; "
    "a field not named is left empty. Example, for a file whose first row is "
    '"Imię;Nazwisko;Telefon;Urodziny;Rozmiar": {"first_name": "Imię", "last_name": '
    '"Nazwisko", "phone": "Telefon", "birthday": "Urodziny", "custom.size": "Rozmiar"}.'
)
MAPPING_EXAMPLE = {
    "first_name": "Imię",
    "last_name": "Nazwisko",
    "phone": "Telefon",
    "birthday": "Urodziny",
    "custom.size": "Rozmiar",
}
EXAMPLE_FILE = "Imię;Nazwisko;Telefon;Urodziny;Rozmiar\nAnna;Nowak;601 100 200;2015-04-01;M\n"
IMPORT_EXAMPLE: dict[str, Any] = {
    "format": "csv",
    "mapping": MAPPING_EXAMPLE,
    "dry_run": True,
    "delimiter": ";",
    "content_base64": base64.b64encode(EXAMPLE_FILE.encode()).decode(),
}
