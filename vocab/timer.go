package vocab

// TimerKind is the kind of a durable SLA step.
type TimerKind string

// The timer kinds: each fires the mail event of the same name.
const (
	TimerBreach         TimerKind = "breach"
	TimerStatusCheck    TimerKind = "status-check"
	TimerCustomerUpdate TimerKind = "customer-update"
)

// TimerKinds lists every timer kind.
var TimerKinds = []TimerKind{TimerBreach, TimerStatusCheck, TimerCustomerUpdate}

// Event is the mail event a step of this kind sends.
func (k TimerKind) Event() Event { return Event(k) }
