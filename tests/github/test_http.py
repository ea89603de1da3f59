"""The client's manners, counted by the loopback server: what it retries, waits for, paces,
and what it never does (retry a 4xx, repeat a POST blindly, show the token)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest

from mlgate.errors import OutsideError, UserError
from mlgate.github.http import (
    Forbidden,
    GitHub,
    GitHubError,
    NotFound,
    RateLimited,
    UncertainWrite,
)
from tests.github.conftest import TOKEN, Recorded
from tests.github.server import FakeGitHub, Fault

LIST = ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
POST = ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
PATCH = ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
LIST_PATH = "/repos/o/r/issues/1/comments"
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
Client = Callable[..., Recorded]


def said(message: str) -> dict[str, str]:
    return {"message": message, "documentation_url": "https://docs.github.com/rest"}


@pytest.mark.parametrize("status", [400, 401, 404, 422])
@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_answers_that_would_fail_again_are_never_retried(
    fake: FakeGitHub, client: Client, status: int, method: str
) -> None:
    comment = fake.add_comment(1, "x")
    operation = LIST if method == "GET" else PATCH
    fake.fail(*operation, Fault(status=status, body=said("no, because")))
    path = LIST_PATH if method == "GET" else f"/repos/o/r/issues/comments/{comment['id']}"
    gh = client()
    with pytest.raises(GitHubError) as error:
        gh.request(method, path, json={"body": "y"} if method == "PATCH" else None)
    assert fake.calls[operation] == 1 and gh.waits == []
    assert (error.value.method, error.value.path, error.value.status) == (method, path, status)
    assert error.value.github_message == "no, because" and error.value.exit_code == 3
    assert str(error.value).startswith(f"{method} {path}: GitHub answered {status}: no, because")


def test_a_422_says_which_field_github_refused(fake: FakeGitHub, client: Client) -> None:
    fake.fail(
        *POST,
        Fault(
            status=422,
            body={
                **said("Validation Failed"),
                "errors": [
                    {
                        "resource": "IssueComment",
                        "field": "body",
                        "code": "custom",
                        "message": "body is too long (maximum is 65536 characters)",
                    }
                ],
            },
        ),
    )
    with pytest.raises(GitHubError, match=r"Validation Failed \(body: body is too long"):
        client().request("POST", LIST_PATH, json={"body": "x"})
    assert fake.calls[POST] == 1


def test_a_403_that_is_not_a_rate_limit_is_forbidden_and_not_retried(
    fake: FakeGitHub, client: Client
) -> None:
    fake.fail(*POST, Fault(status=403, body=said("Resource not accessible by integration")))
    with pytest.raises(Forbidden, match="Resource not accessible by integration") as error:
        client().request("POST", LIST_PATH, json={"body": "x"})
    assert fake.calls[POST] == 1 and "pull-requests: write" in str(error.value)


def test_5xx_is_retried_with_growing_jittered_waits(fake: FakeGitHub, client: Client) -> None:
    fake.fail(*LIST, Fault(status=502), Fault(status=503), Fault(status=500))
    gh = client()
    assert gh.request("GET", LIST_PATH).status == 200
    assert fake.calls[LIST] == 4
    assert len(gh.waits) == 3 and gh.waits[0] < gh.waits[1] < gh.waits[2] <= 10
    assert gh.waits != [0.5, 1.0, 2.0]  # jittered ...
    fake.fail(*LIST, Fault(status=502), Fault(status=503), Fault(status=500))
    again = client()  # ... by a seeded generator: the same seed waits the same
    again.request("GET", LIST_PATH)
    assert again.waits == gh.waits


def test_retries_end_with_a_clear_outside_error(fake: FakeGitHub, client: Client) -> None:
    fake.fail(*LIST, *(Fault(status=502) for _ in range(5)))
    with pytest.raises(OutsideError, match=f"GET {LIST_PATH}: GitHub answered 502"):
        client().request("GET", LIST_PATH)
    assert fake.calls[LIST] == 5  # 1 + max_retries


def test_retry_after_and_the_rate_limit_reset_are_honoured(
    fake: FakeGitHub, client: Client
) -> None:
    reset = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000030"}
    fake.fail(
        *LIST,
        Fault(status=429, headers={"Retry-After": "7"}, body=said("Too many requests")),
        Fault(status=403, headers=reset, body=said("API rate limit exceeded")),
        Fault(status=403, body=said(SECONDARY)),  # no time given: at least a minute
    )
    gh = client(wall=lambda: 1_000_000.0)
    assert gh.request("GET", LIST_PATH).status == 200
    assert gh.waits == [7.0, 31.0, 60.0]
    assert fake.calls[LIST] == 4
    assert gh.said[0] == "GitHub: rate limited (429); waiting 7s"


def test_a_wait_that_is_no_number_of_seconds_is_an_untimed_one(
    fake: FakeGitHub, client: Client
) -> None:
    """`Retry-After: nan` made time.sleep raise ValueError: "internal error", exit 3."""
    fake.fail(
        *LIST,
        Fault(status=429, headers={"Retry-After": "nan"}, body=said("slow down")),
        Fault(status=429, headers={"Retry-After": "0"}, body=said("slow down")),
    )
    gh = client()
    assert gh.request("GET", LIST_PATH).status == 200
    assert gh.waits == [60.0] and fake.calls[LIST] == 3  # 0 s: sent again at once


def test_a_long_wait_is_told_on_stderr_when_the_caller_names_no_other_place(
    fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    """No caller passed on_wait: a 429 with Retry-After: 5 waited in silence."""
    from mlgate.github.http import GitHub

    fake.fail(*LIST, Fault(status=429, headers={"Retry-After": "5"}, body=said("slow down")))
    waits: list[float] = []
    with GitHub(api_url=fake.url, token=TOKEN, sleep=waits.append) as gh:
        assert gh.request("GET", LIST_PATH).status == 200
    assert waits == [5.0]
    assert capsys.readouterr().err == "mlgate: GitHub: rate limited (429); waiting 5s\n"


def test_a_rate_limited_post_is_sent_again_because_github_did_not_do_it(
    fake: FakeGitHub, client: Client
) -> None:
    fake.fail(*POST, Fault(status=403, headers={"Retry-After": "1"}, body=said(SECONDARY)))
    gh = client()
    assert gh.request("POST", LIST_PATH, json={"body": "x"}).status == 201
    assert fake.calls[POST] == 2 and gh.waits == [1.0] and len(fake.comments[1]) == 1


def test_a_rate_limit_longer_than_the_cap_fails_at_once(fake: FakeGitHub, client: Client) -> None:
    fake.fail(*LIST, Fault(status=429, headers={"Retry-After": "3600"}, body=said("slow down")))
    gh = client()
    with pytest.raises(RateLimited, match="GitHub answered 429: slow down") as error:
        gh.request("GET", LIST_PATH)
    assert "3600s" in str(error.value) and gh.waits == [] and fake.calls[LIST] == 1


def test_a_post_whose_answer_is_lost_is_not_repeated(fake: FakeGitHub, client: Client) -> None:
    fake.fail(*POST, Fault(status=502, apply_first=True))
    with pytest.raises(UncertainWrite, match="GitHub answered 502"):
        client().request("POST", LIST_PATH, json={"body": "x"})
    fake.fail(*POST, Fault(apply_first=True, drop=True))
    with pytest.raises(UncertainWrite, match="no answer from GitHub"):
        client().request("POST", LIST_PATH, json={"body": "x"})
    assert fake.calls[POST] == 2 and len(fake.comments[1]) == 2  # both happened; once each


def test_a_write_said_not_to_be_idempotent_is_not_repeated_either(
    fake: FakeGitHub, client: Client
) -> None:
    """A check run's PATCH appends its annotations: sent twice, they are there twice."""
    comment = fake.add_comment(1, "x")
    path = f"/repos/o/r/issues/comments/{comment['id']}"
    fake.fail(*PATCH, Fault(status=502, apply_first=True))
    with pytest.raises(UncertainWrite, match="GitHub answered 502"):
        client().request("PATCH", path, json={"body": "y"}, idempotent=False)
    fake.fail(*PATCH, Fault(status=502, apply_first=True))
    assert client().request("PATCH", path, json={"body": "z"}).status == 200  # by default
    assert fake.calls[PATCH] == 3


def test_a_post_that_could_not_connect_is_retried_since_it_never_left() -> None:
    waits: list[float] = []
    gh = GitHub(
        "http://127.0.0.1:9", TOKEN, max_retries=1, sleep=waits.append, min_write_interval_s=0
    )
    with pytest.raises(GitHubError, match=r"ConnectError.* after 2 tries") as error:
        gh.request("POST", LIST_PATH, json={"body": "x"})
    assert not isinstance(error.value, UncertainWrite) and len(waits) == 1
    gh.close()


def test_a_dropped_connection_on_a_read_is_retried(fake: FakeGitHub, client: Client) -> None:
    fake.fail(*LIST, Fault(drop=True))
    gh = client()
    assert gh.request("GET", LIST_PATH).status == 200
    assert fake.calls[LIST] == 2 and len(gh.waits) == 1


def test_every_call_has_a_timeout(fake: FakeGitHub, client: Client) -> None:
    fake.fail(*LIST, *(Fault(status=200, body=[], delay_s=0.3) for _ in range(3)))
    started = time.monotonic()
    with pytest.raises(
        GitHubError,
        match=r"no answer from GitHub \(ReadTimeout after 0.1s\) "
        r"after 3 tries",
    ) as error:
        client(timeout_s=0.1, max_retries=2).request("GET", LIST_PATH)
    assert time.monotonic() - started < 1.5 and error.value.status is None
    assert fake.calls[LIST] == 3


def test_writes_are_paced_a_second_apart_and_reads_are_not(
    fake: FakeGitHub, client: Client
) -> None:
    comment = fake.add_comment(1, "x", "github-actions[bot]", "Bot")
    now = [0.0]
    gh = client(min_write_interval_s=1.0, clock=lambda: now[0])
    for _ in range(3):
        gh.request("PATCH", f"/repos/o/r/issues/comments/{comment['id']}", json={"body": "y"})
        gh.request("GET", LIST_PATH)
    assert gh.waits == [1.0, 1.0] and gh.said == []  # pacing is routine: not announced


def test_writes_go_one_at_a_time_even_from_threads(fake: FakeGitHub, client: Client) -> None:
    fake.write_delay_s = 0.03
    gh = client(sleep=time.sleep)  # real threads, real (zero) pacing
    threads = [
        threading.Thread(
            target=gh.request, args=("POST", LIST_PATH), kwargs={"json": {"body": f"{i}"}}
        )
        for i in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.comments[1]) == 5 and fake.most_writes_in_flight == 1


def test_the_token_is_in_no_error_no_repr_and_no_progress_line(
    fake: FakeGitHub, client: Client
) -> None:
    fake.fail(
        *LIST,
        Fault(status=429, headers={"Retry-After": "5"}, body=said(f"slow down {TOKEN}")),
        Fault(status=401, body=said(f"Bad credentials {TOKEN}")),
    )
    gh = client()
    with pytest.raises(GitHubError) as error:
        gh.request("GET", LIST_PATH)
    shown = [str(error.value), repr(error.value), repr(gh), error.value.github_message, *gh.said]
    assert not any(TOKEN in text for text in shown)
    assert "Bad credentials ***" in str(error.value) and "token is invalid" in str(error.value)
    unreachable = GitHub("http://127.0.0.1:9", TOKEN, max_retries=0, timeout_s=0.5)
    with pytest.raises(GitHubError) as refused:
        unreachable.request("GET", LIST_PATH)
    assert TOKEN not in str(refused.value) and refused.value.__cause__ is None
    unreachable.close()


def test_no_token_is_a_user_error_with_a_hint() -> None:
    for missing in (None, ""):
        with pytest.raises(UserError, match="no GitHub token") as error:
            GitHub("http://127.0.0.1:9", missing)
        assert error.value.exit_code == 2 and "GITHUB_TOKEN" in str(error.value)
        assert "token:" in str(error.value)


def test_github_enterprise_urls_with_a_path_prefix_work(fake: FakeGitHub, client: Client) -> None:
    for i in range(150):
        fake.add_comment(3, f"c{i}")
    gh = client(api_url=f"{fake.url}/api/v3/")
    pages = list(gh.paginate("/repos/o/r/issues/3/comments"))
    assert [len(p) for p in pages] == [100, 50] and pages[1][-1]["body"] == "c149"


def test_a_next_page_on_another_host_is_not_followed(fake: FakeGitHub, client: Client) -> None:
    elsewhere = '<https://attacker.example/repos/o/r/issues/1/comments?page=2>; rel="next"'
    fake.fail(*LIST, Fault(status=200, headers={"Link": elsewhere}, body=[]))
    with pytest.raises(GitHubError, match="the next page is outside"):
        list(client().paginate(LIST_PATH))
    assert fake.calls[LIST] == 1


def test_not_found_is_its_own_error(fake: FakeGitHub, client: Client) -> None:
    with pytest.raises(NotFound):
        client().request("PATCH", "/repos/o/r/issues/comments/424242", json={"body": "x"})


def test_the_fake_refuses_what_the_description_does_not_allow(fake: FakeGitHub) -> None:
    """The harness itself: a request outside GitHub's description is a violation."""
    headers = {
        "Authorization": "Bearer x",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "mlgate/0",
    }
    with httpx.Client(base_url=fake.url, headers=headers) as raw:
        assert raw.get("/repos/o/r/issues/1/reactions").status_code == 404
        assert raw.post(LIST_PATH, json={"text": "no body"}).status_code == 422
        assert raw.get(LIST_PATH, params={"per_page": "many"}).status_code == 422
        assert raw.get(LIST_PATH, headers={"Accept": "text/html"}).status_code == 200
    assert len(fake.violations) == 4 and "header Accept" in fake.violations[3]
    fake.violations.clear()


def self_signed(folder) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A certificate for 127.0.0.1 that no authority signed, and its key: PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    loopback = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(loopback, critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


def test_a_certificate_no_authority_signed_is_refused_by_every_client(tmp_path) -> None:
    """The clients share one certificate store (read once, 30 ms a client before): sharing
    it must not loosen it. A loopback server with a self-signed certificate is refused."""
    import http.server
    import ssl

    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(*self_signed(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    server.socket = served.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}"
    try:
        for _ in range(2):  # the first client reads the store, the second shares it
            with (
                GitHub(url, TOKEN, max_retries=0) as gh,
                pytest.raises(GitHubError, match="CERTIFICATE_VERIFY_FAILED"),
            ):
                gh.request("GET", "/repos/o/r")
    finally:
        server.shutdown()
        server.server_close()
