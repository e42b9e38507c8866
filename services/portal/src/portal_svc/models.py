"""Tables of the portal context only."""

from sqlalchemy.orm import DeclarativeBase

from crm_messaging.tables import MessagingTables
from crm_platform.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


metadata = Base.metadata
messaging = MessagingTables(metadata)
