package vocab

import "slices"

// Event names what happened. Mail events are the X-Escalation-Event value
// of each mail the gateway sends (a contract: operators filter on them);
// the same names, and a few more, are the types of the audit trail's
// events.
type Event string

// Mail events: each is also the name of the template that renders it
// (see Event.Template).
const (
	EventRouted         Event = "routed"
	EventIncident       Event = "incident"
	EventRejection      Event = "rejection"
	EventBreach         Event = "breach"
	EventStatusCheck    Event = "status-check"
	EventCustomerUpdate Event = "customer-update"
	EventResolved       Event = "resolved"
	EventThanks         Event = "thanks"
	EventFloodAlert     Event = "flood-alert"
	EventDeliveryFailed Event = "delivery-failed"
	// EventCommandError answers a reply whose command was refused or did
	// nothing, saying why and what would work.
	EventCommandError Event = "command-error"
	// EventReceipt tells the escalating agent that the case opened: who
	// got it, by when, what the agent must and must not do.
	EventReceipt Event = "receipt"
	// EventAgentUpdate tells the agent what happened on the case
	// (acknowledged, reassigned, urgency changed, reopened, first breach).
	EventAgentUpdate Event = "agent-update"
	// EventComment relays free text between the team and the agent; as an
	// audit event it records a comment on the case.
	EventComment Event = "comment"
	// EventHandover hands an unacknowledged case to the people who now
	// own it: the day team when its hours begin, the next on-call.
	EventHandover Event = "handover"
	// EventBacklogDigest lists a team's backlog cases (an urgency with
	// delivery: digest) once per working day.
	EventBacklogDigest Event = "backlog-digest"
	// EventOAuthAlert tells the operator that a server's OAuth2 token
	// cannot be refreshed, or expires soon and cannot be renewed.
	EventOAuthAlert Event = "oauth-alert"
	// EventWeeklyReview is the weekly escalation-trends review to
	// management and the team leads (Monday 09:00, company time).
	EventWeeklyReview Event = "weekly-review"
	// EventMonthlyReview is the monthly root-cause review (first working
	// day of the month, 09:00).
	EventMonthlyReview Event = "monthly-review"
)

// Audit-only events: recorded on a case (or gateway-wide), never a mail's
// event.
const (
	EventOpened              Event = "opened"
	EventNote                Event = "note"
	EventReply               Event = "reply"
	EventAcknowledged        Event = "acknowledged"
	EventReassigned          Event = "reassigned"
	EventReopened            Event = "reopened"
	EventUrgencyChanged      Event = "urgency-changed"
	EventReEscalated         Event = "re-escalated"
	EventDuplicateEscalation Event = "duplicate-escalation"
	EventUnrouted            Event = "unrouted"
	EventIgnored             Event = "ignored"
	EventRejected            Event = "rejected"
	EventRejectionReply      Event = "rejection-reply"
	EventRejectionSuppressed Event = "rejection-suppressed"
	EventFlood               Event = "flood"
	EventStepFailed          Event = "step-failed"
	EventParked              Event = "parked"
	EventMailBlocked         Event = "mail-blocked"
	EventMailTrimmed         Event = "mail-trimmed"
	// EventCommandRefused: a reply command (or re-escalation) that was not
	// believed or not allowed; its detail says why.
	EventCommandRefused Event = "command-refused"
	// EventLinked: a new case opened for a ticket that has another case.
	EventLinked Event = "linked"
	// EventMailRetried: an operator put a failed or blocked mail back in
	// the queue (escalationd outbox retry).
	EventMailRetried Event = "mail-retried"
	// EventMailDropped: an operator gave up on a queued or failed mail
	// (escalationd outbox drop); its detail has the reason.
	EventMailDropped Event = "mail-dropped"
	// EventSatisfaction: the customer's satisfaction (CSAT 1-5) reported
	// on a resolved case.
	EventSatisfaction Event = "satisfaction"
)

// MailEvents lists every X-Escalation-Event value.
var MailEvents = []Event{EventRouted, EventIncident, EventRejection, EventBreach, EventStatusCheck, EventCustomerUpdate,
	EventResolved, EventThanks, EventFloodAlert, EventDeliveryFailed, EventCommandError, EventReceipt, EventAgentUpdate,
	EventComment, EventHandover, EventBacklogDigest, EventOAuthAlert, EventWeeklyReview, EventMonthlyReview}

// AuditEvents lists every event type of the audit trail: the mail events
// (recorded when such a mail is queued or fails) and the audit-only ones.
var AuditEvents = append(slices.Clone(MailEvents), EventOpened, EventNote, EventReply, EventAcknowledged, EventReassigned,
	EventReopened, EventUrgencyChanged, EventReEscalated, EventDuplicateEscalation, EventUnrouted, EventIgnored,
	EventRejected, EventRejectionReply, EventRejectionSuppressed, EventFlood, EventStepFailed, EventParked, EventMailBlocked,
	EventMailTrimmed, EventCommandRefused, EventLinked, EventMailRetried, EventMailDropped, EventSatisfaction)

// IsMail reports whether e is an X-Escalation-Event value.
func (e Event) IsMail() bool { return slices.Contains(MailEvents, e) }

// Template is the template that renders a mail event by default.
func (e Event) Template() Template { return Template(e) }
