"""Each association sees only its own people: every route and page, with the other's ids."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from db.session import SessionMaker
from lien.auth import ROLES
from lien.console.csrf import HEADER
from lien.console.routing import console_routes
from tests.lien.conftest import PUBLIC_URL, App
from tests.lien.isolation import Association, console_client, leaked, two_associations

_PARAM = re.compile(r"\{([^}]+)\}")
# Routes that take no id of anyone's: what matters there is that nothing of the other leaks.
_NOT_PERSONAL = {"/webhooks/twilio", "/webhooks/twilio/status", "/webhooks/telegram"}


# Strings whose form is fixed, by field name.
_WORDS = {"language": "fr", "lang": "fr", "channel": "sms", "preferred_channel": "sms"}


def _ids(other: Association) -> dict[str, Any]:
    """Values naming the other association's rows, by the parameter or field names routes use."""
    return {
        "beneficiary_id": other.person_id,
        "ticket_id": other.ticket_id,
        "event_id": other.event_id,
        "occurrence_id": other.occurrence_id,
        "broadcast_id": other.broadcast_id,
        "import_id": other.import_id,
        "attachment_id": other.attachment_id,
        "member_id": other.staff_ids["volunteer"],
        "staff_member_id": other.staff_ids["volunteer"],
        "staff_id": other.staff_ids["volunteer"],
        "entry_id": other.entry_id,
        "site": other.site_slug,
        "site_id": other.site_id,
        "organisation": other.slug,
        "slug": other.slug,
        "org": other.organisation_id,
        "phone": other.secrets[1],
        # A tag is a word of each association's own vocabulary, not a row: naming it reaches
        # only one's own label and people (checked by the leak test, not by a 404).
        "tag": "isole",
        # An upload waiting for confirmation belongs to the browser session that sent it.
        "token": "0" * 32,
    }


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _example(
    schema: dict[str, Any], components: dict[str, Any], ids: dict[str, Any], name: str = ""
) -> Any:
    """Build a plausible value for a schema, using the other association's ids where named."""
    schema = _resolve(schema, components)
    if name in ids:
        return ids[name]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(o, components).get("type") != "null"]
            return _example(options[0], components, ids, name) if options else None
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        # What the schema requires, and every field that can name the other's rows.
        wanted = set(schema.get("required", ())) | set(ids)
        return {
            prop: _example(sub, components, ids, prop)
            for prop, sub in schema.get("properties", {}).items()
            if prop in wanted
        }
    if kind == "array":
        item = _example(schema.get("items", {}), components, ids, name.removesuffix("s"))
        return [item] if item is not None else []
    if kind == "integer":
        return ids.get(name.removesuffix("_ids") + "_id", 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return "2030-01-07T10:00:00+00:00"
        if fmt == "date":
            return "2030-01-07"
        return _WORDS.get(name, "bonjour")
    return None


def _calls(openapi: dict[str, Any], other: Association) -> list[tuple[str, str, dict[str, Any]]]:
    """Every API call of the schema, aimed at the other association's rows."""
    ids = _ids(other)
    components = openapi.get("components", {}).get("schemas", {})
    calls = []
    for path, item in openapi["paths"].items():
        if path in _NOT_PERSONAL:
            continue
        for method, operation in item.items():
            url = _PARAM.sub(lambda m: str(ids[m.group(1)]), path)
            query = {
                p["name"]: ids[p["name"]]
                for p in operation.get("parameters", [])
                if p["in"] == "query" and p["name"] in ids
            }
            kwargs: dict[str, Any] = {"params": query}
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                kwargs["json"] = _example(content["application/json"]["schema"], components, ids)
            elif "multipart/form-data" in content:
                kwargs["files"] = {"file": ("fichier.csv", b"telephone\n+33633330003\n")}
                kwargs["data"] = {"site": other.site_slug, "organisation": other.slug}
            calls.append((method.upper(), url, kwargs))
    return calls


def _aims_at_other(path: str, kwargs: dict[str, Any]) -> bool:
    """Say whether a call names one of the other association's rows (path, query or body)."""
    return bool(_PARAM.search(path)) or ("params" in kwargs and bool(kwargs["params"]))


@pytest.fixture
async def associations(
    lien_app: App, sessionmaker: SessionMaker
) -> tuple[Association, Association]:
    return await two_associations(sessionmaker)


async def test_every_api_route_answers_404_or_403_for_the_other_associations_rows(
    lien_app: App, associations: tuple[Association, Association]
) -> None:
    openapi = (await lien_app.client.get("/openapi.json")).json()
    paths = [p for p in openapi["paths"] if p.startswith("/api/")]
    assert len(paths) >= 40
    walked = 0
    for own, other in (associations, associations[::-1]):
        for method, url, kwargs in _calls(openapi, other):
            template = _template_of(openapi, method, url, other)
            for role in ROLES:
                answer = await lien_app.client.request(
                    method, url, headers=own.tokens[role], **kwargs
                )
                walked += 1
                where = (role, own.slug, method, url, answer.status_code, answer.text[:300])
                assert answer.status_code < 500, where
                assert leaked(other, answer) == [], where
                if _PARAM.search(template.replace("{tag}", "")):
                    assert answer.status_code in (403, 404), where
    assert walked >= 2 * 3 * 60


def _only_echoed(secret: str, form: dict[str, str], page: str) -> bool:
    """Tell whether a refused form only shows back, in its inputs, what the request typed."""
    if secret not in form.values():
        return False
    return page.count(secret) == page.count(f'value="{secret}"')


def _template_of(openapi: dict[str, Any], method: str, url: str, other: Association) -> str:
    """Return the schema path a concrete URL was built from."""
    ids = _ids(other)
    for path in openapi["paths"]:
        if _PARAM.sub(lambda m: str(ids[m.group(1)]), path) == url:
            return str(path)
    raise AssertionError(url)


async def test_the_other_associations_rows_are_404_on_every_console_page(
    lien_app: App, associations: tuple[Association, Association]
) -> None:
    routes = [r for r in console_routes(lien_app.app) if r.path not in {"/login", "/logout"}]
    assert len(routes) >= 40
    for own, other in (associations, associations[::-1]):
        ids = _ids(other)

        # A form filled in, naming the other association's rows wherever a field can.
        form = {
            "text": "bonjour",
            "status": "resolved",
            "present": "yes",
            "places": "3",
            **{k: str(v) for k, v in ids.items() if k not in ("site", "org")},
        }

        def url_of(path: str, ids: dict[str, Any] = ids) -> str:
            return _PARAM.sub(lambda m: str(ids[m.group(1)]), path)

        for role in ROLES:
            transport = lien_app.client._transport  # the same app, a browser of its own
            async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as browser:
                await console_client(browser, own.emails[role])
                home = await browser.get("/")
                token = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
                assert token is not None
                for route in routes:
                    url = url_of(route.path)
                    for method in route.methods or ():
                        answer = await browser.request(
                            method,
                            url,
                            params={
                                "org": other.organisation_id,
                                "site": other.site_slug,
                                "site_id": other.site_id,
                                "start": "2030-01-07T10:00:00+00:00",
                            },
                            headers={HEADER: token.group(1)},
                            data=form if method == "POST" else None,
                        )
                        where = (role, own.slug, method, url, answer.status_code)
                        assert answer.status_code < 500, where
                        found = leaked(other, answer)
                        if method == "POST":
                            found = [s for s in found if not _only_echoed(s, form, answer.text)]
                        assert found == [], (*where, found)
                        if _PARAM.search(route.path):
                            assert answer.status_code in (403, 404), where


async def test_a_number_held_by_the_other_association_is_refused_as_a_conflict(
    lien_app: App, associations: tuple[Association, Association]
) -> None:
    nimes, aude = associations
    answer = await lien_app.client.post(
        f"/api/beneficiaries/{nimes.person_id}/contacts",
        json={"channel": "sms", "address": aude.secrets[1]},
        headers=nimes.tokens["staff"],
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "contact_taken"
    assert "autre association" in answer.json()["detail"]
    assert leaked(aude, answer) == []
    own = await lien_app.client.post(
        f"/api/beneficiaries/{nimes.person_id}/contacts",
        json={"channel": "sms", "address": nimes.secrets[1]},
        headers=nimes.tokens["staff"],
    )
    assert own.status_code == 409, own.text
    assert f"bénéficiaire {nimes.person_id}" in own.json()["detail"]
