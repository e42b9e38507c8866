"""The use cases of the clients context, one module per area. They flush, never commit."""

from clients_svc.service.base import UseCase
from clients_svc.service.cards import Cards
from clients_svc.service.families import Families
from clients_svc.service.imports import Imports
from clients_svc.service.leads import Leads
from clients_svc.service.links import Links
from clients_svc.service.statuses import Statuses
from clients_svc.service.tags import CustomFields, Tags
from clients_svc.service.tasks import Tasks

__all__ = [
    "Cards",
    "CustomFields",
    "Families",
    "Imports",
    "Leads",
    "Links",
    "Statuses",
    "Tags",
    "Tasks",
    "UseCase",
]
