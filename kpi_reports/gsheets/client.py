"""The Google Sheets transport: credentials through gspread, one base address, retries, clear errors.

    client = connect(credentials=None)           # --credentials FILE, GOOGLE_APPLICATION_CREDENTIALS,
                                                 # gspread's service_account.json, then gspread's OAuth
    key = spreadsheet_key("https://docs.google.com/spreadsheets/d/1AbC…/edit#gid=0")
    metadata, values = client.read(key)          # two calls: the tabs, then one values:batchGet
    client.batch_update(key, {"requests": […]})  # the write

`KPI_REPORTS_SHEETS_URL` replaces `https://sheets.googleapis.com` in every call (a local server, a
proxy); with it set and no credentials found, the session is unauthenticated. A 429 or 5xx answer, or
a dropped connection, is retried with exponential backoff and full jitter within a total time bound
(`Backoff`). Every failure becomes one `SheetsProblem` with a clear message, never a traceback.
"""
from __future__ import annotations

import json
import os
import random
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpi_reports.gsheets.source import VALUE_RENDER, input_ranges
from kpi_reports.messages import Msg, msg
from kpi_reports.problems import MissingExtra, SheetsProblem, UsageError

try:
    import google.auth.exceptions
    import gspread.auth
    import requests
    from gspread.exceptions import APIError
    from gspread.http_client import HTTPClient
    from gspread.urls import DRIVE_FILES_API_V3_URL, SPREADSHEET_BATCH_UPDATE_URL
except ImportError as e:  # pragma: no cover - the sheets extra is part of the test extras
    raise MissingExtra(msg("missing_extra", package="gspread", extra="sheets")) from e

GOOGLE = "https://sheets.googleapis.com"
BASE_URL_VARIABLE = "KPI_REPORTS_SHEETS_URL"
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
WATCH_SCOPES = (*SCOPES, "https://www.googleapis.com/auth/drive.metadata.readonly")
"""`--watch` also reads when the file last changed (Drive's file metadata, read-only): one small call a
poll. Asked for only when watching; refused, the watch reads the input tabs instead."""
DRIVE = "https://www.googleapis.com"
METADATA_FIELDS = "spreadsheetId,properties(title,locale,timeZone),sheets(properties,developerMetadata)"
"""What `metadata` asks for: the spreadsheet's title and locale, and every tab's properties and
developer metadata (the tool's marks on the tabs it writes) — no cell data."""

_now, _sleep, _uniform = time.monotonic, time.sleep, random.uniform
"""The clock, the wait and the jitter: module globals, so that tests can replace them."""


@dataclass(frozen=True)
class Backoff:
    """Retries of a 429, a 5xx or a dropped connection: the n-th wait is uniform in
    [0, min(longest, first × factor^(n-1))] seconds (full jitter); a `Retry-After` the server sends is
    waited at least. No wait starts that would end after `total` seconds from the first attempt
    (`network_total` when the last failure was the connection's: a wrong address should not keep the
    user waiting as long as a quota), and there are at most `attempts` attempts in all."""

    first: float = 1.0
    factor: float = 2.0
    longest: float = 32.0
    total: float = 100.0
    network_total: float = 15.0
    attempts: int = 10

    def wait(self, n: int, retry_after: float | None = None) -> float:
        jittered = _uniform(0, min(self.longest, self.first * self.factor ** (n - 1)))
        return max(jittered, min(retry_after, self.longest)) if retry_after else jittered


RETRIED = frozenset({408, 429, 500, 502, 503, 504})
"""Answers retried: request timeout, quota exceeded, server errors (any other 5xx too)."""


class GaveUp(Exception):
    """Retries did not help: the last failure (an APIError or a requests exception), the attempts made
    and the seconds they took."""

    def __init__(self, failure: Exception, attempts: int, seconds: float):
        super().__init__(str(failure))
        self.failure, self.attempts, self.seconds = failure, attempts, seconds


class SheetsHTTPClient(HTTPClient):
    """gspread's HTTP client, sending every call to `base_url` instead of Google's address, with retries
    (`backoff`); `calls` counts the requests sent, retries included."""

    def __init__(self, auth: Any = None, session: requests.Session | None = None, base_url: str | None = None,
                 backoff: Backoff | None = None, timeout: float | tuple[float, float] = (10, 60)):
        super().__init__(auth, session)
        self.base_url = base_url.rstrip("/") if base_url else GOOGLE
        self.backoff = backoff or Backoff()
        self.timeout = timeout
        self.calls = 0

    def url(self, endpoint: str) -> str:
        if self.base_url != GOOGLE:
            for google in (GOOGLE, DRIVE):
                if endpoint.startswith(google):
                    return self.base_url + endpoint[len(google):]
        return endpoint

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
        url, started, n = self.url(endpoint), _now(), 0
        while True:
            n += 1
            self.calls += 1
            retry_after = None
            try:
                return self._send(method, url, *args, **kwargs)
            except APIError as e:
                status = e.response.status_code
                if status not in RETRIED and status < 500:
                    raise
                failure: Exception = e
                retry_after = _retry_after(e.response)
            except (requests.ConnectionError, requests.Timeout) as e:
                failure = e
            wait = self.backoff.wait(n, retry_after)
            elapsed = _now() - started
            bound = self.backoff.total if isinstance(failure, APIError) else self.backoff.network_total
            if n >= self.backoff.attempts or elapsed + wait > bound:
                raise GaveUp(failure, n, elapsed) from None
            _sleep(wait)


    def _send(self, method: str, url: str, params: Any = None, data: Any = None, json: Any = None,
              files: Any = None, headers: Any = None) -> requests.Response:
        """One request, as gspread's `HTTPClient.request` sends it; a failed answer is an APIError even
        when its body is not Google's error JSON (a proxy's page, say)."""
        response = self.session.request(method=method, url=url, json=json, params=params, data=data, files=files,
                                        headers=headers, timeout=self.timeout)
        if response.ok:
            return response
        raise _api_error(response)


def _api_error(response: requests.Response) -> APIError:
    try:
        return APIError(response)
    except (KeyError, TypeError, AttributeError):  # gspread reads error.code from the body: a body without it
        error = APIError.__new__(APIError)
        Exception.__init__(error, response.status_code)
        error.response, error.code = response, response.status_code
        error.error = {"code": response.status_code, "message": response.text or response.reason}
        return error


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


class SheetsClient:
    """The calls the `sheets` command makes, each mapped to a `SheetsProblem` when it fails."""

    def __init__(self, http: SheetsHTTPClient, account: str | None = None, authenticated: bool = True):
        self.http, self.account, self.authenticated = http, account, authenticated
        """`account`: the service account's e-mail, named when a spreadsheet is not shared with it."""

    @property
    def calls(self) -> int:
        return self.http.calls

    @property
    def base_url(self) -> str:
        return self.http.base_url

    def metadata(self, key: str) -> dict:
        """The spreadsheet's properties and its tabs (`METADATA_FIELDS`): one GET."""
        return self._call(key, lambda: self.http.fetch_sheet_metadata(key, params={"fields": METADATA_FIELDS}))

    def values(self, key: str, ranges: Sequence[str]) -> dict:
        """One values:batchGet of `ranges`, numbers unformatted and dates as shown (`VALUE_RENDER`).
        No ranges: no call, and no value ranges."""
        if not ranges:
            return {"spreadsheetId": key, "valueRanges": []}
        return self._call(key, lambda: self.http.values_batch_get(key, list(ranges), params=dict(VALUE_RENDER)))

    def read(self, key: str) -> tuple[dict, dict]:
        """What the source reads: the metadata, then every input tab in one values:batchGet (two calls)."""
        metadata = self.metadata(key)
        return metadata, self.values(key, input_ranges(metadata))

    def modified(self, key: str) -> str:
        """When the spreadsheet's file last changed (Drive's `modifiedTime`): one small call."""
        url = f"{DRIVE_FILES_API_V3_URL}/{key}"
        params = {"fields": "modifiedTime", "supportsAllDrives": "true"}
        return self._call(key, lambda: self.http.request("get", url, params=params).json()).get("modifiedTime", "")

    def batch_update(self, key: str, body: Mapping) -> dict:
        """One spreadsheets:batchUpdate."""
        return self._call(key, lambda: self.http.batch_update(key, body))

    def send(self, key: str, payload: bytes) -> dict:
        """One spreadsheets:batchUpdate of a body already encoded (compact UTF-8 JSON, `render/gsheets/plan.py`)."""
        url = SPREADSHEET_BATCH_UPDATE_URL % key
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return self._call(key, lambda: self.http.request("post", url, data=payload, headers=headers).json())

    def _call(self, key: str, call) -> dict:
        try:
            return call()
        except GaveUp as e:
            raise SheetsProblem(self._gave_up(e)) from None
        except APIError as e:
            raise SheetsProblem(self._refused(key, e)) from None
        except google.auth.exceptions.RefreshError as e:
            raise SheetsProblem(msg("sheets_credentials_refused", reason=_short(e))) from None
        except requests.JSONDecodeError as e:  # a body that is not JSON
            raise SheetsProblem(msg("sheets_bad_answer", url=self.base_url, reason=_short(e))) from None
        except (google.auth.exceptions.TransportError, requests.RequestException) as e:
            raise SheetsProblem(msg("sheets_network", url=self.base_url, reason=_reason(e), attempts=1,
                                    seconds=Decimal(0))) from None
        except ValueError as e:  # JSON that is not an object, say
            raise SheetsProblem(msg("sheets_bad_answer", url=self.base_url, reason=_short(e))) from None

    def _gave_up(self, e: GaveUp) -> Msg:
        seconds = Decimal(f"{e.seconds:.1f}")
        if isinstance(e.failure, APIError):
            status = e.failure.response.status_code
            if status == 429:
                return msg("sheets_quota", attempts=e.attempts, seconds=seconds)
            return msg("sheets_unavailable", status=status, attempts=e.attempts, seconds=seconds)
        return msg("sheets_network", url=self.base_url, reason=_reason(e.failure), attempts=e.attempts,
                   seconds=seconds)

    def _refused(self, key: str, e: APIError) -> Msg:
        status, message = e.response.status_code, _google_message(e)
        if status == 404:
            return msg("sheets_not_found", spreadsheet=key)
        if status == 401:
            return msg("sheets_credentials_refused", reason=message)
        if status == 403 and self.authenticated and not _api_disabled(e):
            if self.account:
                return msg("sheets_not_shared", spreadsheet=key, email=self.account)
            return msg("sheets_not_shared_user", spreadsheet=key)
        return msg("sheets_refused", status=status, message=message)


def _google_message(e: APIError) -> str:
    error = e.error if isinstance(e.error, Mapping) else {}
    return _short(error.get("message") or e.response.reason or e.response.status_code)


def _api_disabled(e: APIError) -> bool:
    """A 403 that is not about sharing: the Sheets API is not enabled in the service account's project."""
    error = e.error if isinstance(e.error, Mapping) else {}
    reasons = {d.get("reason") for d in error.get("details") or [] if isinstance(d, Mapping)}
    return "SERVICE_DISABLED" in reasons or "has not been used in project" in str(error.get("message", ""))


def _short(value: object, limit: int = 300) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def _reason(e: Exception) -> str:
    """A network failure in a few words: `Connection refused`, `timed out`, `Name or service not known`."""
    if isinstance(e, requests.Timeout):
        return "timed out"
    found = _ERRNO.search(str(e))
    return found.group(1).strip() if found else type(e).__name__


_KEY = re.compile(r"[A-Za-z0-9_-]{10,}")
_URL_KEY = re.compile(r"/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)")


def spreadsheet_key(text: str) -> str:
    """The key of a spreadsheet from its address (`https://docs.google.com/spreadsheets/d/<key>/edit#gid=0`,
    any `/spreadsheets/d/<key>` address) or from the key itself; a UsageError for anything else."""
    value = str(text).strip()
    if re.match(r"https?://", value, re.IGNORECASE):
        found = _URL_KEY.search(value)
        if found:
            return found.group(1)
    elif _KEY.fullmatch(value):
        return value
    raise UsageError(msg("sheets_bad_key", value=text))


def base_url(environ: Mapping[str, str] | None = None) -> str | None:
    """`KPI_REPORTS_SHEETS_URL` when it is set (checked to be an http(s) address), else None (Google)."""
    value = (os.environ if environ is None else environ).get(BASE_URL_VARIABLE, "").strip()
    if not value:
        return None
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value, re.IGNORECASE):
        raise UsageError(msg("sheets_bad_base_url", value=value))
    return value


def connect(credentials: str | os.PathLike | None = None, *, backoff: Backoff | None = None,
            environ: Mapping[str, str] | None = None, scopes: Sequence[str] = SCOPES) -> SheetsClient:
    """A client with the first credentials found: `credentials` (a service account's JSON key, or an
    authorized user's), `GOOGLE_APPLICATION_CREDENTIALS`, gspread's `service_account.json`, then gspread's
    OAuth for a person's own account (when its client file or a stored sign-in exists). With
    `KPI_REPORTS_SHEETS_URL` set and none found, the session is unauthenticated; otherwise no credentials
    is a SheetsProblem saying the ways to give them."""
    environ = os.environ if environ is None else environ
    base = base_url(environ)
    found = _credentials(credentials, environ, scopes)
    if found is None:
        if base is None:
            raise SheetsProblem(msg("sheets_no_credentials",
                                    service_account=gspread.auth.DEFAULT_SERVICE_ACCOUNT_FILENAME,
                                    oauth_client=gspread.auth.DEFAULT_CREDENTIALS_FILENAME))
        return SheetsClient(SheetsHTTPClient(session=requests.Session(), base_url=base, backoff=backoff),
                            authenticated=False)
    creds, account = found
    return SheetsClient(SheetsHTTPClient(creds, base_url=base, backoff=backoff), account)


def _credentials(given: str | os.PathLike | None, environ: Mapping[str, str],
                 scopes: Sequence[str] = SCOPES) -> tuple[Any, str | None] | None:
    if given is not None and str(given):
        return _from_file(Path(given), "--credentials", scopes)
    variable = environ.get("GOOGLE_APPLICATION_CREDENTIALS", "")
    if variable:
        return _from_file(Path(variable), "GOOGLE_APPLICATION_CREDENTIALS", scopes)
    default = Path(gspread.auth.DEFAULT_SERVICE_ACCOUNT_FILENAME)
    if default.is_file():
        return _from_file(default, "gspread", scopes)
    user, client = Path(gspread.auth.DEFAULT_AUTHORIZED_USER_FILENAME), Path(gspread.auth.DEFAULT_CREDENTIALS_FILENAME)
    if user.is_file() or client.is_file():  # never a browser flow without the OAuth client file
        try:
            gc = gspread.oauth(scopes=list(scopes), credentials_filename=client, authorized_user_filename=user)
        except (OSError, ValueError, KeyError) as e:
            raise SheetsProblem(msg("sheets_credentials_unreadable", file=str(user if user.is_file() else client),
                                    reason=_short(e))) from None
        return gc.http_client.auth, None
    return None


def _from_file(path: Path, origin: str, scopes: Sequence[str] = SCOPES) -> tuple[Any, str | None]:
    """A service account's JSON key (its e-mail is returned too) or an authorized user's file."""
    if not path.is_file():
        raise SheetsProblem(msg("sheets_credentials_missing", file=str(path), origin=origin))
    try:
        info = json.loads(path.read_text("utf-8"))
        kind = info.get("type") if isinstance(info, dict) else None
        if kind == "service_account":
            from google.oauth2.service_account import Credentials
            creds = Credentials.from_service_account_info(info, scopes=list(scopes))
            return creds, creds.service_account_email
        if kind == "authorized_user":
            from google.oauth2.credentials import Credentials as UserCredentials
            return UserCredentials.from_authorized_user_info(info, scopes=list(scopes)), None
        reason = f"type {kind!r}" if kind else "no type"
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as e:
        reason = _short(e)
    raise SheetsProblem(msg("sheets_credentials_unreadable", file=str(path), reason=reason))
