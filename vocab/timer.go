package vocab

// TimerKind is the kind of a durable SLA step.
type TimerKind string

// The timer kinds: each fires the mail event of the same name.
const (
	TimerBreach         TimerKind = "breach"
	TimerStatusCheck    TimerKind = "status-check"
	TimerCustomerUpdate TimerKind = "customer-update"
	// TimerHandover checks, when a day team's hours begin or an on-call
	// shift ends, whether an unacknowledged case must change hands.
	TimerHandover TimerKind = "handover"
	// TimerDigest puts a backlog case into its team's daily digest.
	TimerDigest TimerKind = "digest"
)

// TimerKinds lists every timer kind.
var TimerKinds = []TimerKind{TimerBreach, TimerStatusCheck, TimerCustomerUpdate, TimerHandover, TimerDigest}

// Event is the mail event a step of this kind sends.
func (k TimerKind) Event() Event {
	if k == TimerDigest {
		return EventBacklogDigest
	}
	return Event(k)
}
