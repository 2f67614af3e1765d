#!/usr/bin/env python3
"""Generate the mailparse test corpus (../corpus/*.eml).

The messages are built with Python's email package (email.message,
email.mime, email.policy) in the styles of the mail programs agents use:
Outlook (HTML with MsoNormal paragraphs, windows-1252, X-MS-Exchange
headers, "-----Original Message-----", "Automatic reply:"), Gmail
(multipart/alternative, quoted-printable, gmail_quote, inline forwards),
Apple Mail (Apple-Mail boundaries, quoted-printable), Thunderbird
(format=flowed, "-- " signatures), phones, mutt, MTAs (bounces), list
servers and the gateway itself. A few hostile messages are written as raw
bytes on purpose (CR/LF injection, broken headers, limits), because no
mail library produces them.

Output is deterministic: fixed dates, Message-IDs and MIME boundaries.
Run from anywhere:  python3 mailparse/testdata/gen/generate.py
Then review the golden files:  go test ./mailparse -run TestCorpus -update
"""

import base64
import copy
import email.message
import email.policy
import os
import sys
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email import encoders

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "corpus")
POLICY = email.policy.SMTP  # CRLF line endings, RFC 5322 folding

DATE = "Tue, 25 Nov 2025 10:02:13 -0500"
AGENT = "Bob Agent <bob.agent@craudiovizai.com>"
AGENT2 = "Carol Lin <carol.lin@craudiovizai.com>"
DESK = "Escalation Desk <escalations@craudiovizai.com>"
AUTH_PASS = ("mx.craudiovizai.com; dkim=pass header.d=craudiovizai.com header.s=s1; "
             "spf=pass smtp.mailfrom=craudiovizai.com; dmarc=pass header.from=craudiovizai.com")
RECEIVED = ("from mail-agent.craudiovizai.com (mail-agent.craudiovizai.com [10.0.4.21]) "
            "by mx.craudiovizai.com (Postfix) with ESMTPS id 4dKq2T3xY9z; " + DATE)

written = []


def fix_boundaries(msg, prefix):
    """Replace random boundaries with deterministic ones."""
    for i, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"{prefix}{i:02d}")


def save(name, msg_or_bytes):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(msg_or_bytes, bytes):
        data = msg_or_bytes
    else:
        data = msg_or_bytes.as_bytes(policy=POLICY)
    with open(path, "wb") as f:
        f.write(data)
    written.append(name)


def headers(msg, subject, frm=AGENT, to="escalations@craudiovizai.com", mid=None, extra=(),
            auth=True, received=True):
    if received:
        msg["Received"] = RECEIVED
    if auth:
        msg["Authentication-Results"] = AUTH_PASS
    for k, v in extra:
        msg[k] = v
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = DATE
    msg["Message-ID"] = mid or "<%s@mail.craudiovizai.com>" % subject_id(subject)
    return msg


def subject_id(s):
    out = "".join(c.lower() if c.isalnum() else "." for c in s)[:40].strip(".")
    return "m." + (out or "x")


# --- template bodies -------------------------------------------------------

GENERIC = """Customer: alice@example.com
Issue: Payment processing down for all EU customers
Attempted: Restarted the payment worker, checked the status page
Impact: ~250 users
Urgency: Critical
"""

SENIOR = """Hi Sarah,

Escalating ticket TCK-4521 for john.doe@example.com.

Issue: Refund of $1,240 outside the 30-day policy
Attempted: Offered store credit, customer declined
Blocker: Refunds over $500 outside policy need Tier 2 approval

Customer expecting update by: Today 5 PM ET

Thanks!
Bob
"""

ENGINEERING = """Ticket: TCK-3307
Severity: High
Users Affected: about 40 users

Description:
Clicking "Pay now" on Safari 17 does nothing. No error is shown and
no request reaches the API.

Steps to Reproduce:
1. Open https://app.craudiovizai.com/checkout in Safari 17
2. Add any item to the cart
3. Click "Pay now"

Expected: The payment dialog opens
Actual: Nothing happens

Workaround: Use Chrome or Firefox
Logs: https://logs.craudiovizai.com/q/3307
"""

MANAGEMENT = """Ticket: SUP-2026-0042
Customer: legal@acme-corp.example
Issue Type: Legal

Summary:
Acme Corp's counsel threatens legal action over the data export
that failed during their contract termination.

Current Status:
Export re-run by engineering; customer has not confirmed receipt.
Legal has not been contacted yet.

Recommended Action:
Forward to legal@craudiovizai.com today and pause all direct replies.

Urgency: Their counsel set a deadline of Friday noon
"""

SIG_THUNDERBIRD = "-- \nBob Agent\nTier 1 Support | CR AudioViz AI\n"


def plain(text, charset="utf-8", cte="quoted-printable", subtype="plain", flowed=False, delsp=False):
    m = EmailMessage()
    m.set_content(text, subtype=subtype, charset=charset, cte=cte)
    if flowed:
        m.set_param("format", "flowed")
        if delsp:
            m.set_param("delsp", "yes")
    return m


def html_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def split_punct(w):
    core = w.rstrip(".,;:!?")
    return core, w[len(core):]


def is_addr(w):
    core, _ = split_punct(w)
    return "@" in core and "." in core.split("@")[-1]


def linkify(line):
    out = []
    for w in line.split(" "):
        if is_addr(w):
            core, punct = split_punct(w)
            out.append('<a href="mailto:%s">%s</a>%s' % (core, core, html_escape(punct)))
        else:
            out.append(html_escape(w))
    return " ".join(out)


# --- Outlook ---------------------------------------------------------------

OUTLOOK_HEAD = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
/* Font Definitions */
@font-face
\t{font-family:"Cambria Math";
\tpanose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face
\t{font-family:Calibri;
\tpanose-1:2 15 5 2 2 2 4 3 2 4;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
\t{margin:0in;
\tfont-size:11.0pt;
\tfont-family:"Calibri",sans-serif;}
a:link, span.MsoHyperlink
\t{mso-style-priority:99;
\tcolor:#0563C1;
\ttext-decoration:underline;}
span.EmailStyle17
\t{mso-style-type:personal-compose;}
.MsoChpDefault
\t{mso-style-type:export-only;}
@page WordSection1
\t{size:8.5in 11.0in;
\tmargin:1.0in 1.0in 1.0in 1.0in;}
div.WordSection1
\t{page:WordSection1;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit">
<o:idmap v:ext="edit" data="1" />
</o:shapelayout></xml><![endif]-->
</head>
<body lang="EN-US" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">
<div class="WordSection1">
"""


def outlook_html(text, bold_labels=True, quoted_html=""):
    paras = []
    for line in text.split("\n"):
        if line.strip() == "":
            paras.append('<p class="MsoNormal"><o:p>&nbsp;</o:p></p>')
            continue
        if bold_labels and ":" in line and line.index(":") < 30 and not line.startswith("http"):
            label, rest = line.split(":", 1)
            paras.append('<p class="MsoNormal"><b>%s:</b>%s<o:p></o:p></p>' % (html_escape(label), linkify(rest)))
        else:
            paras.append('<p class="MsoNormal">%s<o:p></o:p></p>' % linkify(line))
    return OUTLOOK_HEAD + "\n".join(paras) + "\n" + quoted_html + "</div>\n</body>\n</html>\n"


def outlook_plain(text):
    # Outlook's generated text/plain: mailto links as "addr<mailto:addr>".
    out = []
    for line in text.split("\n"):
        words = []
        for w in line.split(" "):
            if is_addr(w):
                core, punct = split_punct(w)
                w = "%s<mailto:%s>%s" % (core, core, punct)
            words.append(w)
        out.append(" ".join(words))
    return "\n".join(out)


OUTLOOK_EXTRA = [
    ("X-MS-Exchange-Organization-SCL", "-1"),
    ("X-MS-Exchange-Organization-AuthAs", "Internal"),
    ("X-MS-Exchange-Organization-AuthSource", "DM6PR11MB4107.namprd11.prod.outlook.com"),
    ("X-MS-Has-Attach", ""),
    ("X-MS-TNEF-Correlator", ""),
    ("Thread-Topic", "escalation"),
    ("Thread-Index", "AdpeA1mR0cT0b3Vx2kS5T8c2Y7c1Qw=="),
    ("Accept-Language", "en-US"),
    ("Content-Language", "en-US"),
    ("X-MS-Exchange-Transport-EndToEndLatency", "00:00:01.2345678"),
]


def outlook(name, subject, text, charset="windows-1252", html_only=False, frm=AGENT, extra=(), quoted_html="",
            quoted_plain="", attachments=()):
    msg = EmailMessage()
    headers(msg, subject, frm=frm, extra=list(OUTLOOK_EXTRA) + list(extra))
    html = outlook_html(text, quoted_html=quoted_html)
    if html_only:
        msg.set_content(html, subtype="html", charset=charset, cte="quoted-printable")
    else:
        msg.set_content(outlook_plain(text) + quoted_plain, charset=charset, cte="quoted-printable")
        msg.add_alternative(html, subtype="html", charset=charset, cte="quoted-printable")
    for fn, mt, data in attachments:
        maintype, subtype = mt.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=fn)
    fix_boundaries(msg, "_000_DM6PR11MB41070F3A9C2B8E1D4A5BDM6PR11MB4107namp_")
    save(name, msg)


# --- Gmail -----------------------------------------------------------------

def gmail_html(text, quote_html=""):
    divs = []
    for line in text.split("\n"):
        divs.append("<div>%s</div>" % (linkify(line) if line.strip() else "<br>"))
    return '<div dir="ltr">' + "".join(divs) + "</div>" + quote_html + "\n"


def gmail(name, subject, text, quote_plain="", quote_html="", frm=AGENT, extra=(), empty_plain=False,
          attachments=(), mid=None):
    msg = EmailMessage()
    headers(msg, subject, frm=frm, mid=mid, extra=list(extra))
    msg.set_content("" if empty_plain else text + quote_plain, charset="utf-8", cte="quoted-printable")
    msg.add_alternative(gmail_html(text, quote_html), subtype="html", charset="utf-8", cte="quoted-printable")
    for fn, mt, data in attachments:
        maintype, subtype = mt.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=fn)
    fix_boundaries(msg, "000000000000a5c3e2063e6b")
    save(name, msg)


def gmail_quote(attribution, quoted_text):
    plain = "\n\n" + attribution + "\n\n" + "".join("> " + l + "\n" if l else ">\n" for l in quoted_text.split("\n"))
    html = ('<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">%s<br></div>'
            '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
            'rgb(204,204,204);padding-left:1ex">%s</blockquote></div>') % (
        html_escape(attribution.replace("\n", " ")),
        "".join("<div>%s</div>" % (linkify(l) if l else "<br>") for l in quoted_text.split("\n")))
    return plain, html


# --- Apple Mail, Thunderbird, phones, mutt ---------------------------------

def apple(name, subject, text, frm=AGENT, extra=(), html=True):
    msg = EmailMessage()
    headers(msg, subject, frm=frm, extra=[("X-Mailer", "Apple Mail (2.3774.200.91.1.1)")] + list(extra))
    msg.set_content(text, charset="utf-8", cte="quoted-printable")
    if html:
        body = '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>' \
               '<body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">' + \
               "".join("<div>%s</div>" % (linkify(l) if l else "<br>") for l in text.split("\n")) + "</body></html>"
        msg.add_alternative(body, subtype="html", charset="utf-8", cte="quoted-printable")
    del msg["MIME-Version"]
    msg["Mime-Version"] = "1.0 (Mac OS X Mail 16.0 \\(3774.200.91.1.1\\))"
    fix_boundaries(msg, "Apple-Mail=_6F1C2E4A-3B7D-4E0A-9C55-1D2E3F4A5B")
    save(name, msg)


def flow(text, width=60, delsp=False):
    """Encode text as format=flowed (RFC 3676) the way Thunderbird does."""
    out = []
    for line in text.split("\n"):
        if line == "-- ":
            out.append(line)
            continue
        if line.startswith(" ") or line.startswith(">") or line.startswith("From "):
            line = " " + line  # space-stuffing
        while len(line) > width:
            cut = line.rfind(" ", 0, width)
            if cut <= 0:
                break
            if delsp:
                out.append(line[:cut + 1] + " ")
                line = line[cut + 1:]
            else:
                out.append(line[:cut + 1])
                line = line[cut + 1:]
        out.append(line)
    return "\n".join(out)


def thunderbird(name, subject, text, frm=AGENT, delsp=False, charset="utf-8", extra=(), attachments=()):
    msg = EmailMessage()
    headers(msg, subject, frm=frm, extra=[("User-Agent", "Mozilla Thunderbird")] + list(extra))
    msg.set_content(flow(text, delsp=delsp) + "\n", charset=charset, cte="8bit" if charset == "utf-8" else "quoted-printable")
    msg.set_param("format", "flowed")
    if delsp:
        msg.set_param("delsp", "yes")
    for fn, mt, data in attachments:
        if isinstance(data, EmailMessage):
            msg.add_attachment(data)
            continue
        maintype, subtype = mt.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=fn)
    fix_boundaries(msg, "------------0Wq3bXh1kYt7LmZ8rT2nV5c")
    save(name, msg)


def mutt(name, subject, text, frm=AGENT, extra=(), charset=None, mid=None, auth=True):
    if charset is None:
        charset = "us-ascii" if text.isascii() else "utf-8"
    msg = MIMEText(text, "plain", charset)
    headers(msg, subject, frm=frm, mid=mid, auth=auth, extra=[("User-Agent", "NeoMutt/20231103")] + list(extra))
    save(name, msg)


def iphone(name, subject, text, frm=AGENT, extra=()):
    apple(name, subject, text + "\nSent from my iPhone\n", frm=frm,
          extra=[("X-Mailer", "iPhone Mail (22B91)")] + list(extra), html=False)


# ---------------------------------------------------------------------------

def generic():
    thunderbird("escalation-thunderbird-flowed.eml", "ESCALATION: [TCK-1234]",
                GENERIC.replace("Payment processing down for all EU customers",
                                "Payment processing down for all EU customers since the 09:40 deploy, card "
                                "payments fail with a timeout") + "\nThanks,\nBob\n\n" + SIG_THUNDERBIRD)
    thunderbird("escalation-thunderbird-delsp.eml", "ESCALATION: [TCK-1235]",
                GENERIC.replace("Restarted the payment worker, checked the status page",
                                "Restarted the payment worker twice, checked the status page and the "
                                "provider dashboard, nothing helped") + "\n" + SIG_THUNDERBIRD, delsp=True)
    outlook("escalation-outlook-alternative.eml", "ESCALATION: [TCK-1236]",
            GENERIC.replace("alice@example.com", "Alice.Smith@Example.com") + "\nThanks,\nBob\n")
    outlook("escalation-outlook-html-only.eml", "ESCALATION: [TCK-1237]",
            GENERIC.replace("~250", "1,200") + "\nRegards,\nBob Agent\nTier 1 Support\n", html_only=True)
    gmail("escalation-gmail-alternative.eml", "ESCALATION: [TCK-1238]",
          GENERIC.replace("Urgency: Critical", "Urgency: High") + "\nThanks!\nBob")
    gmail("escalation-gmail-empty-plain.eml", "ESCALATION: [TCK-1239]", GENERIC, empty_plain=True)
    apple("escalation-apple-mail.eml", "ESCALATION: [TCK-1240]",
          GENERIC.replace("~250 users", "250+ users") + "\nBob")
    iphone("escalation-iphone.eml", "ESCALATION: [TCK-1241]", GENERIC.replace("Urgency: Critical", "Urgency: high"))
    mutt("escalation-mutt.eml", "ESCALATION: [TCK-1242]",
         "Customer: alice@example.com\nIssue: Payment processing down for all EU customers since\n"
         "  the 09:40 deploy\nAttempted: Restarted the payment worker\nImpact: about 40 users\n"
         "Urgency: Medium\n\n-- \nbob\n")
    mutt("escalation-markdown.eml", "ESCALATION: [TCK-1243]",
         "**Customer:** alice@example.com\n**Issue:** Payment processing down\n*Attempted*: restarted worker\n"
         "**Impact**: 1,200 users\n__Urgency:__ **Critical**\n")
    mutt("escalation-bullets-spacing.eml", "ESCALATION: [TCK-1244]",
         "Hi team,\n\n• customer :   alice@example.com\n- ISSUE  : Payment processing down\n"
         "* attempted: restarted worker\n- Impact : all users\n• URGENCY : Critical - payment processing down\n")
    mutt("escalation-value-next-line.eml", "ESCALATION: [TCK-1245]",
         "Customer:\nalice@example.com\nIssue:\nPayment processing down\nAttempted:\n- restarted the worker\n"
         "- cleared the queue\n\nImpact:\n~250 users\nUrgency:\nCritical\n")
    mutt("escalation-ticket-hash.eml", "ESCALATION: #48213", GENERIC)
    gmail("escalation-ticket-in-body.eml", "Payment outage - please help",
          "ESCALATION: [TCK-1246]\n" + GENERIC + "\nThanks")
    mutt("escalation-ticket-label.eml", "ESCALATION:", "Ticket: SUP-2026-0042\n" + GENERIC)
    mutt("escalation-urgency-p1.eml", "ESCALATION: [TCK-1247]", GENERIC.replace("Urgency: Critical", "Urgency: P1"))
    mutt("escalation-urgency-bracketed.eml", "ESCALATION: [TCK-1248]",
         GENERIC.replace("Urgency: Critical", "Urgency: [HIGH!!]").replace("~250 users", "all"))
    thunderbird("escalation-iso-8859-1.eml", "ESCALATION: [TCK-1249]",
                "Customer: jurgen.muller@example.de\nIssue: Zahlungen schlagen für Kunden in Österreich fehl\n"
                "Attempted: Zahlungsdienst neu gestartet\nImpact: 300 users\nUrgency: High\n\nGrüße\nBob\n",
                charset="iso-8859-1")
    thunderbird("escalation-iso-8859-2.eml", "ESCALATION: [TCK-1250]",
                "Customer: lukasz.wisniewski@example.pl\nIssue: Płatności nie działają, błąd przy zamówieniu\n"
                "Attempted: Ponowne uruchomienie usługi\nImpact: około 120 użytkowników\nUrgency: Medium\n",
                charset="iso-8859-2")
    outlook("escalation-windows-1251.eml", "ESCALATION: [TCK-1251]",
            "Customer: ivan.petrov@example.ru\nIssue: Платежи не проходят\nAttempted: Перезапуск сервиса\n"
            "Impact: 75 users\nUrgency: Critical\n", charset="windows-1251")
    m = EmailMessage()
    headers(m, "ESCALATION: [TCK-1252] Zahlungsausfall für Österreich – dringend", extra=[("User-Agent", "Mozilla Thunderbird")])
    m.set_content(GENERIC, charset="utf-8", cte="base64")
    save("escalation-rfc2047-subject-base64-body.eml", m)
    outlook("escalation-with-attachments.eml", "ESCALATION: [TCK-1253]", GENERIC, extra=[("X-MS-Has-Attach", "yes")],
            attachments=[("payment-worker.log", "text/plain",
                          b"2025-11-25T09:41:02Z ERROR gateway timeout after 30s\n" * 40),
                         ("screenshot.png", "image/png",
                          base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="))])
    # Outlook HTML with a quoted older mail below: fields come from the newest part.
    older = "Customer: old@example.com\nIssue: Old problem\nUrgency: Low"
    outlook("escalation-outlook-over-original.eml", "ESCALATION: [TCK-1254]", GENERIC,
            quoted_plain="\n-----Original Message-----\nFrom: Carol Lin <carol.lin@craudiovizai.com>\n"
                         "Sent: Monday, November 24, 2025 4:12 PM\nTo: Bob Agent <bob.agent@craudiovizai.com>\n"
                         "Subject: ESCALATION: [TCK-1100]\n\n" + older + "\n",
            quoted_html='<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">'
                        '<p class="MsoNormal"><b>From:</b> Carol Lin &lt;carol.lin@craudiovizai.com&gt;<br><b>Sent:</b> '
                        'Monday, November 24, 2025 4:12 PM<br><b>To:</b> Bob Agent<br><b>Subject:</b> ESCALATION: '
                        '[TCK-1100]<o:p></o:p></p></div></div>' +
                        "".join('<p class="MsoNormal">%s<o:p></o:p></p>' % linkify(l) for l in older.split("\n")))
    mutt("escalation-subdomain-sender.eml", "ESCALATION: [TCK-1255]", GENERIC,
         frm="Dana Ops <dana@support.craudiovizai.com>")
    auth_other = ("mx.evil.example; dmarc=fail header.from=craudiovizai.com")
    mutt("escalation-untrusted-auth-results.eml", "ESCALATION: [TCK-1256]", GENERIC,
         extra=[("Authentication-Results", auth_other)])
    # Bob pasted the whole template including its first line into an HTML table.
    msg = EmailMessage()
    headers(msg, "ESCALATION: [TCK-1257]", extra=list(OUTLOOK_EXTRA))
    rows = "".join("<tr><td><b>%s</b></td><td>%s</td></tr>" % (html_escape(l.split(":", 1)[0] + ":"), linkify(l.split(":", 1)[1].strip()))
                   for l in GENERIC.strip().split("\n"))
    msg.set_content("<html><body><table border=1 cellpadding=4>%s</table><p>Bob</p></body></html>" % rows,
                    subtype="html", charset="utf-8", cte="quoted-printable")
    save("escalation-html-table.eml", msg)


def rejected():
    mutt("rejected-missing-urgency.eml", "ESCALATION: [TCK-2001]",
         "Customer: alice@example.com\nIssue: Payment processing down\nAttempted: restarted worker\nImpact: 10 users\n")
    gmail("rejected-invalid-urgency.eml", "ESCALATION: [TCK-2002]", GENERIC.replace("Urgency: Critical", "Urgency: ASAP"))
    outlook("rejected-invalid-customer.eml", "ESCALATION: [TCK-2003]",
            GENERIC.replace("Customer: alice@example.com", "Customer: Alice from Acme"), html_only=True)
    mutt("rejected-placeholders.eml", "ESCALATION: [TICKET-ID]",
         "Customer: [email]\nIssue: [brief description]\nAttempted: [what you tried]\nImpact: [number of users]\n"
         "Urgency: [Low/Medium/High/Critical]\n")
    mutt("rejected-bad-ticket.eml", "ESCALATION: [TCK 12/34]", GENERIC)
    gmail("rejected-two-labels-no-subject.eml", "quick one", "Customer: alice@example.com\nIssue: Login broken\n")
    apple("rejected-senior-missing-customer.eml", "Escalation", SENIOR.replace(" for john.doe@example.com.", " for the customer."))
    gmail("rejected-engineering-missing-severity.eml", "BUG - Export hangs",
          ENGINEERING.replace("Severity: High\n", ""))
    mutt("rejected-management-billing.eml", "ESCALATION - Billing", MANAGEMENT.replace("Issue Type: Legal", "Issue Type: Billing"))
    outlook("rejected-management-missing-summary.eml", "ESCALATION - Media",
            "Ticket: TCK-9001\nCustomer: Daily Planet\nIssue Type: Media\n\nUrgency: Reporter deadline 3pm\n")


def senior():
    outlook("senior-support-outlook.eml", "Escalation - refund approval", SENIOR)
    mutt("senior-support-generic-subject.eml", "ESCALATION: [TCK-9999]",
         SENIOR.replace("TCK-4521", "[TCK-4522]").replace("john.doe@example.com", "John.Doe@Example.com"))
    gmail("senior-support-hash-ticket.eml", "Need Tier 2", SENIOR.replace("TCK-4521", "#48213").replace("Hi Sarah", "Hello Team"))


def engineering():
    gmail("engineering-gmail.eml", "BUG - Checkout button does nothing on Safari", ENGINEERING)
    mutt("engineering-markdown.eml", "BUG: Export hangs at 99%",
         "**Ticket:** [TCK-3308]\n**Severity:** Sev 2\n**Users Affected:** 1,200\n\n**Description:**\n"
         "CSV export hangs at 99% for workspaces over 10k rows.\n\n**Steps to Reproduce:**\n"
         "1) Open a workspace with >10k rows\n2) Click Export > CSV\n   (wait two minutes)\n3) Watch the bar\n\n"
         "**Expected:** File downloads\n**Actual:** Spinner forever\n\n**Workaround:** Export per month\n**Logs:** attached\n")
    msg = EmailMessage()
    headers(msg, "BUG - Dashboard charts empty after login", extra=list(OUTLOOK_EXTRA))
    msg.set_content(OUTLOOK_HEAD +
                    '<p class="MsoNormal"><b>Ticket:</b> TCK-3309</p><p class="MsoNormal"><b>Severity:</b> Critical</p>'
                    '<p class="MsoNormal"><b>Users Affected:</b> all</p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
                    '<p class="MsoNormal"><b>Description:</b></p><p class="MsoNormal">Charts render empty for every '
                    'account since 08:00.</p><p class="MsoNormal"><b>Steps to Reproduce:</b></p><ol style="margin-top:0in">'
                    '<li class="MsoListParagraph">Log in</li><li class="MsoListParagraph">Open Dashboard</li></ol>'
                    '<p class="MsoNormal"><b>Expected:</b> Charts with data</p><p class="MsoNormal"><b>Actual:</b> Empty axes</p>'
                    "</div></body></html>", subtype="html", charset="windows-1252", cte="quoted-printable")
    save("engineering-outlook-html-list.eml", msg)
    thunderbird("engineering-log-attachment.eml", "BUG - API returns 502 on /v2/orders",
                ENGINEERING.replace("TCK-3307", "TCK-3310").replace("Logs: https://logs.craudiovizai.com/q/3307", "Logs: attached"),
                attachments=[("api-502.log", "text/plain", b"502 Bad Gateway upstream=orders-7\n" * 20)])


def management():
    mutt("management-legal.eml", "ESCALATION - Legal", MANAGEMENT)
    outlook("management-major-outage.eml", "ESCALATION - Major Outage",
            MANAGEMENT.replace("Issue Type: Legal", "Issue Type: Major service outage")
            .replace("Customer: legal@acme-corp.example", "Customer: all customers")
            .replace("Urgency: Their counsel", "Urgency: Critical - status page red, counsel"))
    gmail("management-data-breach.eml", "ESCALATION - Security",
          MANAGEMENT.replace("Issue Type: Legal", "Issue Type: Data breach suspected")
          .replace("Customer: legal@acme-corp.example", "Customer: Acme Corp"))
    mutt("management-issue-type-from-subject.eml", "ESCALATION - Media",
         MANAGEMENT.replace("Issue Type: Legal\n", "").replace("Customer: legal@acme-corp.example", "Customer: Daily Planet (Lois Lane)"))


def replies():
    orig = "ESCALATION: [TCK-1234]\n" + GENERIC
    gid = "<escalationd.1234.1.f3a9c2@craudiovizai.com>"
    qp, qh = gmail_quote("On Tue, Nov 25, 2025 at 10:02 AM Escalation Desk <\nescalations@craudiovizai.com> wrote:", orig)
    gmail("reply-gmail-ack.eml", "Re: ESCALATION: [TCK-1234] [Critical] Payment processing down", "ACK - on it",
          quote_plain=qp, quote_html=qh, frm="Erin Oncall <erin@craudiovizai.com>",
          extra=[("In-Reply-To", gid), ("References", gid)])
    outlook("reply-outlook-resolved.eml", "RE: ESCALATION: [TCK-1234] [Critical] Payment processing down",
            "Resolved: payment worker rolled back to 4.12.1, payments flowing again.\n\nErin",
            frm="Erin Oncall <erin@craudiovizai.com>",
            extra=[("In-Reply-To", gid), ("References", gid)],
            quoted_plain="\n-----Original Message-----\nFrom: Escalation Desk <escalations@craudiovizai.com>\n"
                         "Sent: Tuesday, November 25, 2025 10:02 AM\nSubject: ESCALATION: [TCK-1234]\n\n" + orig)
    mutt("reply-aw-urgency.eml", "AW: ESCALATION: [TCK-1234] [High] Payment processing down",
         "urgency critical\n\nAll EU card payments fail now.\n", frm="Frank Weber <frank@craudiovizai.com>")
    mutt("reply-references-only-note.eml", "status?",
         "NOTE Customer called again, asked for ETA\n", extra=[("References", "<abc@mail.example> " + gid)])
    thunderbird("reply-sv-reassign.eml", "SV: Re: [EXTERNAL] ESCALATION: [TCK-1234] [Critical] Payment processing down",
                "REASSIGN engineering\n\nOn 11/25/25 10:02, Escalation Desk wrote:\n> " + orig.replace("\n", "\n> ") + "\n",
                frm="Gustav Berg <gustav@craudiovizai.com>")
    mutt("reply-reopen-bottom-post.eml", "Re: ESCALATION: [TCK-1234] [Critical] Payment processing down",
         "On Tue, Nov 25, 2025 at 10:02:13AM -0500, Escalation Desk wrote:\n> " + orig.replace("\n", "\n> ") + "\n\nreopen\nIt is failing again.\n",
         extra=[("In-Reply-To", gid)])
    iphone("reply-iphone-no-command.eml", "Re: ESCALATION: [TCK-1234] [Critical] Payment processing down",
           "Thanks, looking now", extra=[("In-Reply-To", gid)])
    qp, qh = gmail_quote("On Tue, Nov 25, 2025 at 10:02 AM Escalation Desk <escalations@craudiovizai.com> wrote:", orig)
    gmail("reply-gmail-html-only-quote.eml", "Re: ESCALATION: [TCK-1234] [Critical] Payment processing down",
          "Note: customer confirmed the workaround", quote_html=qh, empty_plain=True,
          frm="Erin Oncall <erin@craudiovizai.com>", extra=[("In-Reply-To", gid)])
    # A new mail (no reply subject, no gateway ids) quoting an older escalation.
    older = "ESCALATION: [TCK-1260]\n" + GENERIC
    qp, qh = gmail_quote("On Mon, Nov 24, 2025 at 4:12 PM Carol Lin <carol.lin@craudiovizai.com> wrote:", older)
    gmail("quoted-escalation-with-comment.eml", "payments again", "Is anyone looking at this one?",
          quote_plain=qp, quote_html=qh)
    gmail("quoted-escalation-only.eml", "payments again", "", quote_plain=qp, quote_html=qh)
    gmail("reply-acknowledged-mixed-prefix.eml", "Antw: RE: Fwd: ESCALATION: [TCK-1234] [Critical] Payment processing down",
          "Acknowledged.", frm=AGENT2)
    # A typo of a command: a comment that names the command meant.
    mutt("reply-typo-reassign.eml", "Re: ESCALATION: [TCK-1234] [Critical] Payment processing down",
         "Reasign engineering\n\nThis is the checkout code, not us.\n", frm="Erin Oncall <erin@craudiovizai.com>",
         extra=[("In-Reply-To", gid), ("References", gid)])
    # Out-of-office replies without any auto-reply header: by their text
    # (Outlook, in the thread) and by subject and text (a Gmail vacation
    # responder whose headers a relay dropped).
    outlook("ignored-ooo-outlook-no-headers.eml", "RE: ESCALATION: [TCK-1234] [Critical] Payment processing down",
            "Thank you for your email. I am out of the office until Monday, December 1, with limited access to email.\n\n"
            "For urgent matters please contact senior-support@craudiovizai.com.\n\nSarah",
            frm="Sarah Senior <sarah@craudiovizai.com>", extra=[("In-Reply-To", gid), ("References", gid)])
    gmail("ignored-ooo-gmail-vacation.eml", "On vacation",
          "Hi,\n\nI'm currently on vacation and will be back on December 8. For anything urgent, "
          "please reach out to oncall@craudiovizai.com.\n\nThanks!\nErin",
          frm="Erin Oncall <erin@craudiovizai.com>", extra=[("In-Reply-To", gid), ("References", gid)])


def forwards():
    inner = ("---------- Forwarded message ---------\nFrom: Bob Agent <bob.agent@craudiovizai.com>\n"
             "Date: Tue, Nov 25, 2025 at 9:41 AM\nSubject: ESCALATION: [TCK-3100]\nTo: Carol Lin <carol.lin@craudiovizai.com>\n\n\n"
             + GENERIC)
    gmail("forward-gmail-inline.eml", "Fwd: ESCALATION: [TCK-3100]", inner, frm=AGENT2)
    inner_msg = EmailMessage()
    headers(inner_msg, "ESCALATION: [TCK-3101]", received=False, auth=False,
            extra=[("User-Agent", "Mozilla Thunderbird")])
    inner_msg.set_content(GENERIC + "\n" + SIG_THUNDERBIRD, charset="utf-8", cte="quoted-printable")
    thunderbird("forward-rfc822-attachment.eml", "Fwd: ESCALATION: [TCK-3101]",
                "FYI, forwarding Bob's escalation, he is out today.\n\nCarol\n", frm=AGENT2,
                attachments=[(None, None, inner_msg)])
    outlook("forward-outlook-fw.eml", "FW: ESCALATION - Legal", "", frm=AGENT2,
            quoted_plain="\n________________________________\nFrom: Bob Agent <bob.agent@craudiovizai.com>\n"
                         "Sent: Tuesday, November 25, 2025 9:41 AM\nTo: Carol Lin <carol.lin@craudiovizai.com>\n"
                         "Subject: ESCALATION - Legal\n\n" + MANAGEMENT)
    apple("forward-apple-begin-forwarded.eml", "Fwd: BUG - Checkout button does nothing on Safari",
          "\n\nBegin forwarded message:\n\nFrom: Bob Agent <bob.agent@craudiovizai.com>\n"
          "Subject: BUG - Checkout button does nothing on Safari\nDate: November 25, 2025 at 09:41:00 EST\n"
          "To: Carol Lin <carol.lin@craudiovizai.com>\n\n" + ENGINEERING, frm=AGENT2, html=False)


def ignored():
    m = EmailMessage()
    headers(m, "Automatic reply: ESCALATION: [TCK-1234]", frm="Sarah Senior <sarah@craudiovizai.com>",
            extra=list(OUTLOOK_EXTRA) + [("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")])
    m.set_content("I am out of the office until Monday, December 1. For urgent matters contact senior-support@craudiovizai.com.\n",
                  charset="windows-1252", cte="quoted-printable")
    m.add_alternative(outlook_html("I am out of the office until Monday, December 1."), subtype="html",
                      charset="windows-1252", cte="quoted-printable")
    fix_boundaries(m, "_000_ooo_")
    save("ignored-outlook-automatic-reply.eml", m)
    mutt("ignored-autosvar.eml", "Autosvar: ESCALATION: [TCK-1234]", "Jag är på semester.\n",
         frm="Gustav Berg <gustav@craudiovizai.com>", charset="utf-8")
    mutt("ignored-abwesenheitsnotiz.eml", "Abwesenheitsnotiz: ESCALATION: [TCK-1234]", "Ich bin nicht im Büro.\n",
         frm="Frank Weber <frank@craudiovizai.com>", charset="utf-8")
    mutt("ignored-x-autoreply.eml", "Re: ESCALATION: [TCK-1234]", "Thanks for your mail.\n",
         frm="Helpdesk Robot <robot@craudiovizai.com>", extra=[("X-Autoreply", "yes")])
    # Postfix bounce: multipart/report with the escalation attached.
    orig = EmailMessage()
    headers(orig, "ESCALATION: [TCK-1234] [Critical] Payment processing down", frm=DESK,
            to="nobody@craudiovizai.com", mid="<escalationd.1234.2.77aa@craudiovizai.com>", auth=False)
    orig.set_content(GENERIC)
    rep = MIMEMultipart("report", report_type="delivery-status")
    rep.attach(MIMEText("This is the mail system at host mx.craudiovizai.com.\n\nI'm sorry to have to inform you "
                        "that your message could not\nbe delivered to one or more recipients.\n\n"
                        "<nobody@craudiovizai.com>: unknown user: \"nobody\"\n"))
    ds = MIMEBase("message", "delivery-status")
    per_msg, per_rcpt = email.message.Message(), email.message.Message()
    per_msg["Reporting-MTA"] = "dns; mx.craudiovizai.com"
    per_msg["Arrival-Date"] = DATE
    per_rcpt["Final-Recipient"] = "rfc822; nobody@craudiovizai.com"
    per_rcpt["Action"] = "failed"
    per_rcpt["Status"] = "5.1.1"
    per_rcpt["Diagnostic-Code"] = "X-Postfix; unknown user: \"nobody\""
    ds.set_payload([per_msg, per_rcpt])
    rep.attach(ds)
    rep.attach(MIMEMessage(orig))
    rep["Return-Path"] = "<>"
    rep["From"] = "MAILER-DAEMON@mx.craudiovizai.com (Mail Delivery System)"
    rep["To"] = "escalations@craudiovizai.com"
    rep["Subject"] = "Undelivered Mail Returned to Sender"
    rep["Date"] = DATE
    rep["Message-ID"] = "<20251125150214.4dKq2T3xY9z@mx.craudiovizai.com>"
    fix_boundaries(rep, "4dKq2T3xY9z.1764082934/mx.craudiovizai.com")
    save("ignored-bounce-postfix.eml", rep)
    mutt("ignored-bounce-postmaster.eml", "Delivery Status Notification (Failure)",
         "Your message to oncall@craudiovizai.com couldn't be delivered.\n",
         frm="postmaster@outlook.example.com")
    mutt("ignored-mailing-list.eml", "[support-announce] ESCALATION: [TCK-1234] summary",
         GENERIC, extra=[("List-Id", "Support announcements <support-announce.lists.craudiovizai.com>"),
                         ("List-Unsubscribe", "<mailto:support-announce-leave@lists.craudiovizai.com>"),
                         ("Precedence", "list")])
    gmail("ignored-bulk-newsletter.eml", "Your weekly helpdesk digest", "12 tickets closed this week.",
          frm="Helpdesk Digest <digest@craudiovizai.com>",
          extra=[("List-Unsubscribe", "<https://craudiovizai.com/unsub?u=1>"), ("Precedence", "bulk")])
    # The gateway's own routed mail coming back (From, loop header, gateway id).
    m = EmailMessage()
    headers(m, "ESCALATION: [TCK-1234] [Critical] Payment processing down", frm=DESK, to="escalations@craudiovizai.com",
            mid="<escalationd.1234.1.f3a9c2@craudiovizai.com>", auth=False,
            extra=[("X-Escalation-Loop", "escalationd"), ("Auto-Submitted", "auto-generated")])
    m.set_content("New escalation TCK-1234 routed to oncall.\n\n" + GENERIC)
    save("ignored-loop-gateway-own.eml", m)
    mutt("ignored-loop-gateway-message-id.eml", "ESCALATION: [TCK-1234]", GENERIC,
         mid="<escalationd.1234.9.0b1c@craudiovizai.com>")
    mutt("ignored-spoofed-dmarc-fail.eml", "ESCALATION: [TCK-1234]", GENERIC, auth=False,
         extra=[("Authentication-Results", "mx.craudiovizai.com; dkim=none; spf=softfail smtp.mailfrom=evil.example; "
                                            "dmarc=fail (p=reject dis=none) header.from=craudiovizai.com")])
    mutt("ignored-spoofed-dkim-spf-fail.eml", "ESCALATION: [TCK-1234]", GENERIC, auth=False,
         extra=[("Authentication-Results", "mx.craudiovizai.com 1; dkim=fail (bad signature) header.d=craudiovizai.com; "
                                            "spf=fail smtp.mailfrom=craudiovizai.com; dmarc=none")])
    mutt("ignored-sender-not-allowed.eml", "ESCALATION: [TCK-1234]", GENERIC, frm="Eve <eve@craudiovizai.com.evil.example>")
    gmail("ignored-not-escalation.eml", "Lunch on Friday?", "Pizza or sushi?\n\nCarol", frm=AGENT2)


def security():
    sec = "security@craudiovizai.com"
    mutt("security/researcher-report.eml", "Stored XSS in profile name",
         "Hello,\n\nI found a stored XSS in the profile name field of app.craudiovizai.com.\n\n"
         "Steps:\n1. Set your name to <script>alert(1)</script>\n2. Open the team page\n\n"
         "I follow coordinated disclosure (90 days).\n\n-- \nMallory Researcher\n",
         frm="Mallory Researcher <mallory@research.example>", auth=False)
    gmail("security/researcher-html.eml", "Vulnerability report: IDOR in /api/v2/invoices",
          "Hi security team,\n\nChanging the invoice id in /api/v2/invoices/1234 returns other tenants' invoices.\n\nBest,\nTrent",
          frm="Trent <trent@bugbounty.example>")
    mutt("security/agent-escalation.eml", "ESCALATION: [TCK-5001]",
         GENERIC.replace("Payment processing down for all EU customers", "Customer reports account takeover"),
         frm=AGENT, extra=[])
    mutt("security/agent-untemplated.eml", "phishing mail going around",
         "Several customers forwarded a phishing mail that imitates our login page.\n", frm=AGENT)
    mutt("security/spoofed-agent.eml", "ESCALATION: [TCK-5002]", GENERIC, auth=False,
         extra=[("Authentication-Results", "mx.craudiovizai.com; dmarc=fail header.from=craudiovizai.com")])
    mutt("security/researcher-autoreply.eml", "Out of Office: Re: your report", "I am away.\n",
         frm="Trent <trent@bugbounty.example>", extra=[("Auto-Submitted", "auto-replied")])
    mutt("security/researcher-reply-to-thread.eml", "Re: Stored XSS in profile name",
         "NOTE retested, still works on staging\n", frm="Mallory Researcher <mallory@research.example>",
         extra=[("In-Reply-To", "<escalationd.5003.1.aa11@craudiovizai.com>")])
    del sec


# --- raw hostile and malformed messages ------------------------------------

def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def raw():
    # RFC 2047 words that decode to CR/LF must not reach header fields.
    save("hostile-crlf-subject.eml", crlf(
        "From: Bob Agent <bob.agent@craudiovizai.com>\nTo: escalations@craudiovizai.com\n"
        "Subject: =?UTF-8?Q?ESCALATION:_[TCK-6001]=0D=0ABcc:_victim@example.com?=\n"
        "Date: " + DATE + "\nMessage-ID: <crlf1@mail.craudiovizai.com>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n\n" + GENERIC))
    save("hostile-crlf-ticket.eml", crlf(
        "From: =?UTF-8?B?Qm9iDQpCY2M6IHZpY3RpbUBleGFtcGxlLmNvbQ==?= <bob.agent@craudiovizai.com>\n"
        "To: escalations@craudiovizai.com\n"
        "Subject: =?UTF-8?B?RVNDQUxBVElPTjogW1RDSy02MDAyDQpYLUV2aWw6IDFd?=\n"
        "Date: " + DATE + "\nMessage-ID: <crlf2@mail.craudiovizai.com>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n\n" + GENERIC.replace("Customer: alice@example.com",
                                                                       "Customer: alice@example.com\u2028Bcc: victim@example.com")))
    save("malformed-header-lines.eml", crlf(
        "From Bob Tue Nov 25 10:02:13 2025\n"
        "Received: from x by y; " + DATE + "\n"
        "this line has no colon and would stop a strict parser\n"
        "From: Bob Agent <bob.agent@craudiovizai.com>\nTo: escalations@craudiovizai.com\n"
        "Bad Key With Spaces: value\n"
        "Subject: ESCALATION: [TCK-6003]\nDate: " + DATE + "\nMessage-ID: <malformed@mail.craudiovizai.com>\n"
        "Content-Type: text/plain; charset=utf-8\n\n" + GENERIC))
    save("malformed-missing-close-boundary.eml", crlf(
        "From: Bob Agent <bob.agent@craudiovizai.com>\nTo: escalations@craudiovizai.com\n"
        "Subject: ESCALATION: [TCK-6004]\nDate: " + DATE + "\nMessage-ID: <noclose@mail.craudiovizai.com>\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n"
        "This is a multi-part message in MIME format.\n--b1\nContent-Type: text/plain; charset=utf-8\n\n" + GENERIC +
        "\n--b1\nContent-Type: application/octet-stream; name=\"trunc.bin\"\nContent-Transfer-Encoding: base64\n\nAAECAwQF\n"))
    save("malformed-unknown-charset.eml", crlf(
        "From: Bob Agent <bob.agent@craudiovizai.com>\nTo: escalations@craudiovizai.com\n"
        "Subject: ESCALATION: [TCK-6005]\nDate: " + DATE + "\nMessage-ID: <unk@mail.craudiovizai.com>\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=x-klingon-8\n\n" + GENERIC))
    save("malformed-8bit-no-charset.eml",
         crlf("From: Bob Agent <bob.agent@craudiovizai.com>\nTo: escalations@craudiovizai.com\n"
              "Subject: ESCALATION: [TCK-6006]\nDate: " + DATE + "\nMessage-ID: <8bit@mail.craudiovizai.com>\n\n")
         + GENERIC.replace("Payment processing down", "Zahlung f\u00e4llt aus").replace("\n", "\r\n").encode("cp1252"))


def limits():
    # Parsed with small limits (see corpus_test.go): 64 KiB message,
    # depth 5, 12 parts, 1 KiB header field, 4 KiB of text.
    big = MIMEMultipart("mixed")
    big.attach(MIMEText(GENERIC, "plain", "utf-8"))
    att = MIMEBase("application", "octet-stream")
    att.set_payload(bytes(range(256)) * 400)
    encoders.encode_base64(att)
    att.add_header("Content-Disposition", "attachment", filename="dump.bin")
    big.attach(att)
    headers(big, "ESCALATION: [TCK-7001]")
    fix_boundaries(big, "limit-big-")
    save("limits/too-large.eml", big)

    inner = MIMEText("junk inside\n", "plain", "utf-8")
    for i in range(30):
        w = MIMEMultipart("mixed")
        w.attach(inner)
        inner = w
    top = MIMEMultipart("mixed")
    top.attach(MIMEText(GENERIC, "plain", "utf-8"))
    top.attach(inner)
    headers(top, "ESCALATION: [TCK-7002]")
    fix_boundaries(top, "nest-")
    save("limits/deep-nesting.eml", top)

    many = MIMEMultipart("mixed")
    many.attach(MIMEText(GENERIC, "plain", "utf-8"))
    for i in range(40):
        p = MIMEText("part %d\n" % i, "plain", "utf-8")
        p.add_header("Content-Disposition", "attachment", filename="part-%02d.txt" % i)
        many.attach(p)
    headers(many, "ESCALATION: [TCK-7003]")
    fix_boundaries(many, "many-")
    save("limits/many-parts.eml", many)

    save("limits/long-header.eml", crlf(
        "From: Bob Agent <bob.agent@craudiovizai.com>\nTo: escalations@craudiovizai.com\n"
        "X-Junk: " + ("A" * 5000) + "\nSubject: ESCALATION: [TCK-7004] " + ("B" * 3000) + "\n"
        "Date: " + DATE + "\nMessage-ID: <longhdr@mail.craudiovizai.com>\n"
        "Content-Type: text/plain; charset=utf-8\n\n" + GENERIC))
    filler = "".join("Log line %04d: worker heartbeat ok\n" % i for i in range(300))
    mutt("limits/long-text.eml", "ESCALATION: [TCK-7005]", GENERIC + "\nLog excerpt:\n" + filler)


def main():
    generic()
    rejected()
    senior()
    engineering()
    management()
    replies()
    forwards()
    ignored()
    security()
    raw()
    limits()
    print("wrote %d messages to %s" % (len(written), os.path.normpath(OUT)), file=sys.stderr)


if __name__ == "__main__":
    main()
