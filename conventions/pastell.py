"""A client of Pastell's REST API (v2) for the ``actes-generique`` flow: create the act's
document, fill its fields, upload the act and its annexes, send it to the TdT (@ctes), read
back its state.

Routes and field names are Pastell's (public code: ``api/DocumentAPIController.php`` and
``module/actes-generique/definition.yml``): ``POST /api/v2/entite/{id_e}/document`` (type),
``PATCH …/document/{id_d}`` (fields), ``POST …/document/{id_d}/file/{field}/{n}`` (file_name,
file_content), ``POST …/document/{id_d}/action/{action}``, ``GET …/document/{id_d}`` (``info``,
``data``, ``last_action``). Authentication: HTTP Basic with a Pastell user's login.

Every failure is a ``PastellError`` whose message, in French, says what the server answered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import urllib3

#: Pastell's last actions of an ``actes-generique`` document, in the product's words.
STATES = {
    "creation": "créé dans Pastell",
    "modification": "en préparation dans Pastell",
    "send-tdt": "transmis au tiers de télétransmission",
    "verif-tdt": "en attente de l'accusé de réception",
    "acquiter-tdt": "accusé de réception reçu",
    "send-tdt-erreur": "erreur de transmission",
    "erreur-verif-tdt": "erreur de transmission",
    "annuler-tdt": "transmission annulée",
    "termine": "accusé de réception reçu",
    "fatal-error": "erreur de transmission",
}
ACKNOWLEDGED = {"acquiter-tdt", "termine"}
ERRORS = {"send-tdt-erreur", "erreur-verif-tdt", "fatal-error", "annuler-tdt"}


class PastellError(Exception):
    """Pastell refused a call or could not be reached (French message for the page)."""


@dataclass(frozen=True)
class PastellConfig:
    url: str
    login: str
    password: str
    entity_id: str
    flow: str = "actes-generique"
    timeout: float = 20.0


@dataclass(frozen=True)
class PastellState:
    """What Pastell says of a transmitted act."""

    last_action: str
    label: str
    acknowledged_on: date | None
    message: str = ""

    @property
    def is_acknowledged(self) -> bool:
        return self.last_action in ACKNOWLEDGED

    @property
    def is_error(self) -> bool:
        return self.last_action in ERRORS


class PastellClient:
    def __init__(self, config: PastellConfig, *, http: urllib3.PoolManager | None = None):
        self.config = config
        self.http = http or urllib3.PoolManager(
            timeout=urllib3.Timeout(total=config.timeout), retries=False
        )
        self.headers = urllib3.make_headers(basic_auth=f"{config.login}:{config.password}")
        self.last_message = ""

    def _url(self, path: str) -> str:
        base = self.config.url.rstrip("/")
        return f"{base}/api/v2/entite/{self.config.entity_id}/document{path}"

    def _call(
        self,
        method: str,
        path: str,
        *,
        fields: dict[str, Any] | None = None,
        encode_multipart: bool = True,
    ) -> dict[str, Any]:
        url = self._url(path)
        try:
            if fields is None:
                response = self.http.request(method, url, headers=self.headers)
            elif encode_multipart:
                response = self.http.request(method, url, fields=fields, headers=self.headers)
            else:
                response = self.http.request(
                    method,
                    url,
                    body=urlencode(fields),
                    headers=self.headers | {"Content-Type": "application/x-www-form-urlencoded"},
                )
        except urllib3.exceptions.HTTPError as error:
            raise PastellError(
                f"Pastell ne répond pas ({self.config.url}) : {error.__class__.__name__}."
            ) from error
        try:
            payload = json.loads(response.data or b"{}")
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        if response.status >= 400 or payload.get("status") == "error":
            detail = payload.get("error-message") or payload.get("message") or ""
            raise PastellError(
                f"Pastell a refusé la demande (HTTP {response.status})"
                + (f" : {detail}" if detail else ".")
            )
        return payload

    def create(self) -> str:
        """A new document of the flow; returns its id (``id_d``)."""
        payload = self._call("POST", "", fields={"type": self.config.flow})
        document_id = payload.get("id_d") or payload.get("info", {}).get("id_d")
        if not document_id:
            raise PastellError("Pastell n'a pas donné d'identifiant au document créé.")
        return str(document_id)

    def fill(self, document_id: str, fields: dict[str, str]) -> None:
        """Set the form's fields (the form is complete only once its files are there)."""
        self._call("PATCH", f"/{document_id}", fields=fields, encode_multipart=False)

    def upload(self, document_id: str, field: str, number: int, name: str, content: bytes) -> bool:
        """Upload one file; returns whether Pastell now holds the form complete."""
        payload = self._call(
            "POST",
            f"/{document_id}/file/{field}/{number}",
            fields={"file_name": name, "file_content": (name, content, "application/pdf")},
        )
        self.last_message = payload.get("message") or ""
        return payload.get("formulaire_ok") in (1, "1", True)

    def action(self, document_id: str, action: str) -> None:
        payload = self._call("POST", f"/{document_id}/action/{action}", fields={})
        if payload.get("result") is False:
            raise PastellError(
                f"Pastell n'a pas pu faire l'action « {action} » : {payload.get('message', '')}"
            )

    def state(self, document_id: str) -> PastellState:
        payload = self._call("GET", f"/{document_id}")
        last = payload.get("last_action") or payload.get("info", {}).get("last_action") or {}
        action = last.get("action", "") if isinstance(last, dict) else str(last)
        data = payload.get("data") or {}
        acknowledged = None
        if data.get("date_ar"):
            try:
                acknowledged = date.fromisoformat(str(data["date_ar"])[:10])
            except ValueError:
                acknowledged = None
        return PastellState(
            last_action=action,
            label=STATES.get(action, action or "état inconnu"),
            acknowledged_on=acknowledged,
            message=last.get("message", "") if isinstance(last, dict) else "",
        )
