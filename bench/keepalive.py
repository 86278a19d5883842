"""The bench scripts' HTTP client: one keep-alive connection to a StrikeLedger server,
with its key, reopened and retried (three tries) when the server closed it."""
import http.client
import json
import time
import urllib.parse


def iso(t):
    """A datetime as RFC 3339 in UTC, to the second."""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class KeepAliveClient:
    def __init__(self, base, key, on_answer=None):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.key = key
        self.on_answer = on_answer  # called with (status, "METHOD path", body) for each answer
        self.conn = None

    def request(self, method, path, body=None, timeout=30):
        headers = {"Authorization": "Bearer " + self.key}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
                self.conn.request(method, path, data, headers)
                r = self.conn.getresponse()
                payload = r.read()
                if self.on_answer:
                    self.on_answer(r.status, f"{method} {path}", payload)
                return r.status, payload
            except (http.client.HTTPException, OSError):
                if self.conn:
                    self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                time.sleep(0.2)

    def post(self, path, body):
        return self.request("POST", path, body)
