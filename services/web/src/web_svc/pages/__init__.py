"""The page routers, by area. Each router checks CSRF on every form (deps.csrf_guard)."""

from fastapi import APIRouter

from web_svc.pages import (
    auth,
    catalogue,
    clients,
    confirm,
    entries,
    figures,
    home,
    imports,
    invoices,
    journal,
    journal_row,
    leads,
    lessons,
    members,
    money,
    my_actions,
    my_records,
    notify,
    notify_send,
    organisation,
    packs,
    portal,
    rooms,
    schedule,
    staff,
    tasks,
)

routers: list[APIRouter] = [
    module.router
    for module in (
        auth,
        home,
        journal,
        journal_row,
        imports,
        clients,
        money,
        packs,
        invoices,
        entries,
        catalogue,
        figures,
        notify,
        notify_send,
        portal,
        my_records,
        my_actions,
        confirm,
        rooms,
        schedule,
        lessons,
        members,
        tasks,
        leads,
        staff,
        organisation,
    )
]
