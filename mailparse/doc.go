// Package mailparse turns one raw RFC 5322 message into a Result: what the
// gateway does with it (Disposition, Reason), which escalation template it
// follows (Kind) and the template's fields, normalised where the rest of
// escalationd relies on them. It owns MIME decoding (through go-message),
// HTML-to-text conversion, quote and signature stripping, template field
// reading and the hard limits that keep hostile mail cheap.
//
// The package is pure: it does no file or network I/O, reads no clock and
// has no mutable globals. Parse never returns nil and never panics.
//
// # Templates accepted
//
// The four templates of the helpdesk reference "Escalation Workflows":
//
//   - escalation (the generic "Step 2: Notify" template): subject
//     "ESCALATION: [TICKET-ID]", body lines Customer, Issue, Attempted,
//     Impact, Urgency.
//   - senior_support ("To Senior Support"): "Hi [Name]," then "Escalating
//     ticket [ID] for [customer email]." then Issue, Attempted, Blocker and
//     "Customer expecting update by". It is recognised by that sentence
//     whatever the subject.
//   - engineering ("To Engineering"): subject "BUG - [Brief Description]",
//     body Ticket, Severity, Users Affected, Description, Steps to
//     Reproduce (a numbered list), Expected, Actual, Workaround, Logs.
//   - management ("To Management"): subject "ESCALATION - [Issue Type]",
//     body Ticket, Customer (address or name), Issue Type, Summary, Current
//     Status, Recommended Action, Urgency (a reason, kept as
//     urgency_reason).
//
// The kind comes from the senior-support sentence, else the subject (after
// reply and forward prefixes and tags such as "[EXTERNAL]"), else a
// "Subject:" line pasted into the body, else an "ESCALATION: [ID]" body
// line, else the labels found (each counts for the template it belongs
// to). Result.Fields holds every labelled value as written, under
// snake_case keys (steps_to_reproduce is a []string); the top-level Ticket,
// Customer, Urgency, UsersAffected and IssueType hold normalised values.
//
// # Required fields
//
// A mail that looks like an escalation (a template subject, the
// senior-support sentence or at least two template labels; a pasted
// "Subject:" line counts only when it names a template) but misses a
// required field or has an invalid one is rejected, with one FieldError per
// field, in template order:
//
//   - escalation: ticket (subject or a "Ticket:"/"ESCALATION:" line),
//     customer (an email address), issue, urgency.
//   - senior_support: ticket and customer (from the sentence or their
//     labels), issue.
//   - engineering: ticket, severity, description.
//   - management: ticket, issue type (body or subject), summary. Customer
//     is optional and may be a name.
//
// A value that is still the template's placeholder ("[brief description]")
// counts as missing. Reason is missing-fields when any field is missing,
// else invalid-fields. Result.Template renders the template pre-filled with
// what was understood, for the rejection reply.
//
// # Tolerated variations
//
// Labels in any case, in markdown emphasis (**Customer:**, *Issue*:),
// after a bullet ("- ", "* ", "• "), with spaces before the colon, and a few
// synonyms (Priority for Urgency, Ticket ID, Steps, Status, ...). A label
// whose value is on the next lines takes those lines. Description, Steps
// to Reproduce, Summary, Current Status, Recommended Action, Attempted and
// Logs run over blank lines until the next known label (a trailing
// "Thanks," paragraph is dropped); other text fields take continuation
// lines up to a blank line. Steps are numbered ("1.", "1)", "Step 1:") or
// bulleted lines; unmarked lines continue the previous step.
//
// Urgency and Severity: Low, Medium (or Med), High, Critical in any case,
// in brackets, followed by anything ("Critical - payment processing down",
// "HIGH!!"); P1-P4 and Sev1-Sev4 ("Sev 1", "SEV-1") mean critical, high,
// medium, low. Anything else ("ASAP", "urgent") is invalid. Result.Urgency
// is lower case; for engineering it comes from Severity, for management
// from an Urgency reason that starts with a level. When only one of
// Urgency and Severity is given it stands in for the other (with a
// warning).
//
// Users affected (Impact or Users Affected): the number followed by
// "user(s)", else the first number; "~250", "1,200", "about 40 users",
// "250+", "2k" are read; text without a number ("all") leaves
// UsersAffected nil and keeps the text in Fields.
//
// Issue Type: legal (Legal, Legal threat), media (Media, Media inquiry,
// Press), security (Security, Security incident, Data breach, Data breach
// suspected, Breach), major_outage (Major Outage, Major service outage,
// Outage, Service outage, Major incident, Complete outage), fraud (Fraud,
// Fraud detected, Suspected fraud), marketing (Marketing, Partnership,
// Sponsorship); case, "-"/"_" and trailing explanations (after " - ", "(",
// ",", ":") are ignored. Anything else (Billing) is rejected as invalid.
//
// Customer: the address in "a@b.example", "Name <a@b.example>",
// "[a@b.example]" or "a@b.example<mailto:a@b.example>", lowercased. The
// management template also accepts a name, kept as written.
//
// # Ticket IDs
//
// A value in brackets is the text inside them ("[TCK-1234]"), otherwise
// its first word ("TCK-1234 (reopened)"). A leading "#" ("#48213") and
// trailing ".,;:" are stripped. The result must be 1 to 64 characters of
// [A-Za-z0-9._-] with at least one digit ("SUP-2026-0042"); anything else is
// invalid. The generic template takes the ticket from its subject first,
// then from an "ESCALATION:" or "Ticket:" body line.
//
// # Which text is read
//
// text/plain is preferred in multipart/alternative unless it is empty;
// HTML is converted with golang.org/x/net/html keeping line structure,
// and only the text a reader sees is kept: text under the hidden
// attribute or an inline style of display:none, visibility:hidden, a zero
// font size, white (or nearly white, or transparent) text not on a
// coloured background, opacity:0 or mso-hide:all is dropped, as are
// <head>, <style> and <script>. Stylesheets and classes are not read.
// Quoted-printable, base64, charsets (through go-message's charset
// package; an unknown charset keeps the bytes with a warning; 8-bit text
// without a charset is read as Windows-1252), RFC 2047 words and
// format=flowed (RFC 3676, DelSp) are decoded. Fields are read from the
// newest part only: it ends at a signature separator "-- ", a mobile
// signature ("Sent from my iPhone"), Outlook's "-----Original Message-----"
// or "From:/Sent:" header block, a forward marker, or an "On ... wrote:"
// line not followed by ">" lines; ">" lines are never part of it. The older
// mail is read instead when the newest part has no template and the older
// one is forwarded (inline forward, or an Outlook block under a forward
// subject) or the newest part is empty; then a forwarded message/rfc822
// attachment with a template. Attachments (every leaf part that is not
// message text, including inline images and attached messages) are listed
// with name ("" when unnamed), type and decoded size.
//
// # Sender
//
// Result.From is the sender's address, lowercased and written as an RFC
// 5322 addr-spec that net/mail reads back unchanged (a local part that
// needs them keeps its quotes: "john doe"@example.com), so the gateway
// can always write it back as a recipient; a source route
// ("<@relay.example:alice@example.com>", obsolete syntax) is dropped, as
// RFC 5322 4.4 says. Result.SenderAmbiguous is set when the sender cannot
// be read unambiguously, the way a DMARC checker would refuse to: there is
// no From field or there are several, the field is not RFC 5322, or it
// holds no mailbox or several. From then holds, for display only, the
// first mailbox or the lenient reading (the address in the last <...>,
// else the first word with "@"). An address that cannot be written back
// (over 254 bytes, or not an address even when read leniently) is left
// out of From, with a warning, and the sender is ambiguous. Mail with an
// ambiguous sender must not act on a case.
//
// # Dispositions and reasons
//
// Checks run in this order; the first that applies decides:
//
//  1. ignored/loop: From is one of Options.OwnAddresses, the loop header
//     (Options.LoopHeader, default X-Escalation-Loop) is present, or the
//     Message-ID is a gateway id (local part starting with GatewayIDPrefix,
//     domain Options.GatewayDomain when set).
//  2. ignored/bounce: multipart/report; report-type=delivery-status, a null
//     Return-Path with a report, X-Failed-Recipients, From MAILER-DAEMON or
//     postmaster.
//  3. ignored/auto-reply: Auto-Submitted other than "no", X-Autoreply,
//     X-Autorespond, X-Auto-Response-Suppress All/OOF/AutoReply,
//     Precedence auto_reply, read receipts, subjects "Automatic reply:",
//     "Out of Office", "Autosvar", "Abwesenheitsnotiz" and similar. Once
//     the body is read (before step 8), these make an auto-reply too: the
//     English subject forms "OOO", "Away:", "[Auto-Reply]", "Auto
//     Response", "On vacation"; and a newest text that opens, after a
//     greeting and an optional "Thank you for your email.", with
//     "Automatic reply", "This is an automatic reply" or "Out of Office"
//     on a line of its own, or with an absence ("I am out of the office",
//     "I'm on vacation", "I will be away", "I have limited access to
//     email") that also says when or how ("until", "currently", "will
//     respond when I return", "for urgent matters"). Mentions of an
//     absence further on, a first word that is a reply command, and a
//     template overrule these; in a security mailbox only mail in a case's
//     thread is read this way, so that no report is dropped for how it
//     opens.
//  4. ignored/mailing-list: List-Id, List-Unsubscribe with Precedence,
//     Precedence bulk, list or junk.
//  5. ignored/spoofed: an Authentication-Results header whose authserv-id
//     is in Options.TrustedAuthservIDs says dmarc=fail, or dkim=fail (and no
//     dkim=pass) and spf=fail. Other authserv-ids are ignored.
//  6. ignored/sender-not-allowed: AllowDomains or AllowAddresses is set
//     and From matches neither (a domain matches itself and its
//     subdomains).
//  7. rejected/too-large: the message is over Limits.MaxMessageSize; only
//     its header was read. This comes after the header checks above (the
//     order of the issue put it first) so that a rejection is never sent
//     to a bounce, an auto-reply, a list or an unknown sender.
//  8. reply: In-Reply-To or References holds a gateway Message-ID, or the
//     subject is a reply prefix (Re:, RE:, AW:, SV:, Antw:, repeated or
//     mixed, tags allowed) before "ESCALATION: [ticket] ...". Ticket is the
//     subject's ticket; Command is read from the first non-empty line of
//     the newest part (ACK, ACKNOWLEDGED, RESOLVED <note>, NOTE <text>,
//     URGENCY <level>, REASSIGN <team>, REOPEN; any case). A reply never
//     becomes a case. A reply without a command whose first word is
//     almost one ("ACKK", "RESOLVE fixed", "Reasign engineering", FIXED or
//     DONE in capitals) carries CommandTypo with the command meant; it is
//     still a comment. Ordinary English first words ("Thanks", "Noted",
//     "Done.", "Open question") are not typos; the rules are in typo.go.
//  9. case, or rejected with missing-fields or invalid-fields, for mail
//     that looks like an escalation; otherwise ignored/not-escalation. A
//     rejected escalation keeps what was understood (Kind, Ticket,
//     Urgency, a valid Customer, Fields as written, Errors), and
//     Result.RoutableDespiteErrors says when it must be routed anyway: a
//     Critical one with a valid ticket and its issue stated.
//
// In a security mailbox (Options.MailboxKind "security") steps 1-4 still
// ignore; a spoofed mail or a sender outside the policy, and any mail that
// follows no template, becomes a case of kind security_report with Fields
// "subject" and "text" (all of the decoded text); a too-large mail becomes
// one too, with empty text and a warning. Templated mail from allowed
// senders is read as in the escalations mailbox. InReplyTo and References
// (without <>) are filled for every disposition.
//
// # Limits
//
// DefaultLimits: 25 MiB message, MIME depth 20, 256 parts, 64 KiB per
// header field, 2 MiB of decoded text. Past the depth or part limit the
// parser stops descending or reading parts, keeps what it has and adds a
// warning; longer header fields are truncated; decoded text beyond
// MaxTextSize is cut, and so is the text rendered from an HTML part (nested
// blockquotes add at most three "> " per line). Malformed header lines are
// dropped (with a warning) and the rest of the header is still read. Values that may reach an
// outbound header (Ticket, Customer, Subject, From, Urgency, IssueType,
// MessageID, the thread ids, command and attachment names) have every
// control character, including CR and LF from RFC 2047 words, replaced by
// a space.
package mailparse
