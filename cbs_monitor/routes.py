"""Every route of the portal as a named constant, and small URL builders."""

HOME = "/"
LOGIN = "/login"
VERIFICATION = "/verificatiecode"
PORTAL = "/cbs-monitor"
DELIVER = "/cbs-monitor/aanleveren"
RETRIEVE = "/cbs-monitor/ophalen"
WITHDRAW = "/cbs-monitor/intrekken"
MESSAGE_LOG = "/cbs-monitor/berichtenlog"
SUPPLIER_LINKS = "/cbs-monitor/koppelingen"
TERMS = "/algemene-voorwaarden"
CBS_DESK = "/cbs"
SERVICEDESK = "/beheer"
NO_ACCESS = "/geen-toegang"

AUTH_LOGIN = "/auth/login"
AUTH_CALLBACK = "/auth/callback"
AUTH_LOGOUT = "/auth/logout"
DOWNLOAD = "/download"


def download(token: str) -> str:
    return f"{DOWNLOAD}/{token}"


def cbs_municipality(code: str) -> str:
    return f"{CBS_DESK}/gemeente/{code}"
