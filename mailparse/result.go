package mailparse

import "escalationd/vocab"

// Dispositions: what the gateway does with a mail.
const (
	// DispositionCase is a valid new escalation.
	DispositionCase = "case"
	// DispositionReply is mail in the thread of an existing case.
	DispositionReply = "reply"
	// DispositionRejected looks like an escalation but misses or has invalid
	// required fields; Errors names every one and the sender gets one reply.
	DispositionRejected = "rejected"
	// DispositionIgnored is never answered: auto-replies, bounces, lists,
	// the gateway's own mail, unknown senders, mail that is no escalation.
	DispositionIgnored = "ignored"
)

// Reasons for rejected and ignored mail: short machine words.
const (
	ReasonMissingFields    = "missing-fields"
	ReasonInvalidFields    = "invalid-fields"
	ReasonAutoReply        = "auto-reply"
	ReasonBounce           = "bounce"
	ReasonMailingList      = "mailing-list"
	ReasonLoop             = "loop"
	ReasonNotEscalation    = "not-escalation"
	ReasonTooLarge         = "too-large"
	ReasonSenderNotAllowed = "sender-not-allowed"
	ReasonSpoofed          = "spoofed"
)

// GatewayIDPrefix starts the local part of every Message-ID the gateway
// generates ("escalationd.<case>.<n>.<random>@<gateway domain>"), so a reply
// can be recognised as belonging to a case from its References alone.
const GatewayIDPrefix = "escalationd."

// Options configure one parse. The zero value parses with DefaultLimits in
// an escalations mailbox, allowing every sender.
type Options struct {
	// MailboxKind is "escalations" (default) or "security".
	MailboxKind string
	// Limits bound the work done on hostile input; zero fields take the
	// DefaultLimits values.
	Limits Limits
	// OwnAddresses are the gateway's addresses (watched mailboxes, From);
	// mail from them is the gateway's own and is ignored as a loop.
	OwnAddresses []string
	// GatewayDomain is the domain of the gateway's Message-IDs.
	GatewayDomain string
	// LoopHeader is the header the gateway stamps on everything it sends
	// (default X-Escalation-Loop); mail carrying it is ignored as a loop.
	LoopHeader string
	// AllowDomains and AllowAddresses restrict who may escalate; both empty
	// allows everyone.
	AllowDomains   []string
	AllowAddresses []string
	// TrustedAuthservIDs name the Authentication-Results headers to believe.
	TrustedAuthservIDs []string
	// NoReplies reads the mail as a new escalation even if it looks like a
	// reply: the engine's second look when a "reply" matched no case.
	NoReplies bool
	// OriginalSize is the size of the mail on the server when raw holds
	// only its header (the inbound poller does not fetch the body of mail
	// over the size limit); 0 means len(raw).
	OriginalSize int64
}

// Limits bound the work one message can cause.
type Limits struct {
	MaxMessageSize int64 // bytes of raw message; over it: rejected, too-large
	MaxMIMEDepth   int   // nesting of multiparts and message/rfc822
	MaxParts       int   // MIME parts visited
	MaxHeaderLine  int   // bytes of one (unfolded) header field
	MaxTextSize    int   // bytes of decoded text kept per message
}

// Result is the outcome of parsing one mail. Its JSON form is the contract
// of `escalationd parse`; fields that do not apply are omitted.
type Result struct {
	Disposition   string          `json:"disposition"`
	Reason        string          `json:"reason,omitempty"`
	Kind          vocab.Kind      `json:"kind,omitempty"`
	Ticket        string          `json:"ticket,omitempty"`
	Customer      string          `json:"customer,omitempty"`
	Urgency       vocab.Urgency   `json:"urgency,omitempty"`
	UsersAffected *int            `json:"users_affected,omitempty"`
	IssueType     vocab.IssueType `json:"issue_type,omitempty"`
	Fields        map[string]any  `json:"fields,omitempty"`
	Errors        []FieldError    `json:"errors,omitempty"`
	From          string          `json:"from,omitempty"`
	// SenderAmbiguous says the sender could not be read unambiguously:
	// no From field or several, a From that is not RFC 5322, or one that
	// holds no mailbox or several. From then holds the lenient reading
	// (for display), or nothing; mail whose sender is ambiguous must not
	// act on a case.
	SenderAmbiguous bool   `json:"sender_ambiguous,omitempty"`
	Subject         string `json:"subject,omitempty"`
	MessageID       string `json:"message_id,omitempty"`
	// Auth is the receiving server's verdict on From (pass, fail or none;
	// see Auth). Commands and re-escalations are believed only on pass
	// when the gateway requires authentication.
	Auth Auth `json:"auth,omitempty"`

	// Command is the reply command on the first non-empty line of a reply.
	Command *Command `json:"command,omitempty"`
	// CommandTypo is set on a reply without a Command whose first word is
	// almost one ("ACKK", "RESOLVE fixed", "Reasign engineering"): the
	// reply is read as a comment, and its writer should be told which
	// command they probably meant. Ordinary English first words
	// ("Thanks", "Noted", "Done.") are never typos.
	CommandTypo *CommandTypo `json:"command_typo,omitempty"`
	// Bounce is what a delivery status notification (Reason bounce)
	// reports: the returned mail and its failed recipients.
	Bounce *Bounce `json:"bounce,omitempty"`
	// InReplyTo and References are the thread's Message-IDs, without <>.
	InReplyTo  []string `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`
	// Attachments lists attached files; their bytes stay in the stored mail.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Warnings note limits hit and parts skipped while reading.
	Warnings []string `json:"warnings,omitempty"`

	// FromName is the sender's display name.
	FromName string `json:"-"`
	// Text is the newest part's plain text, the one fields were read from;
	// routing keywords and reply notes use it.
	Text string `json:"-"`
}

// FieldError names one missing or invalid template field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Command is a reply command such as ACK or RESOLVED <note>.
type Command struct {
	Name     vocab.Command `json:"name"`
	Argument string        `json:"argument,omitempty"`
	// RootCause is the text of a "Root cause:" line of a RESOLVED reply
	// (a tag such as training, or free text), "" when there is none.
	RootCause string `json:"root_cause,omitempty"`
}

// CommandTypo is a first word of a reply that is not a command but is
// most likely a misspelling of one.
type CommandTypo struct {
	// Written is the word as written, without markdown emphasis and
	// trailing punctuation ("ACKK", "Reasign").
	Written string `json:"written"`
	// Meant is the command it most likely means.
	Meant vocab.Command `json:"meant"`
}

// Attachment describes an attached file.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}
