package vocab

// Role is who a queued mail is addressed to, relative to its case. It is
// stored with every outbox row, so the engine can tell who is on a case
// (the people who got team mail) without reading event names.
type Role string

// The recipient roles.
const (
	// RoleTeam: the people who must act (routed, breach, status-check,
	// thanks, and notices addressed to the team): replies from them count
	// for the team.
	RoleTeam Role = "team"
	// RoleAgent: the escalating agent (resolution, customer-update
	// reminders, delivery notices).
	RoleAgent Role = "agent"
	// RoleCustomer: the customer (direct customer updates).
	RoleCustomer Role = "customer"
	// RoleIncident: an incident list or status-page feed, whose automatic
	// confirmations must not count as anyone's reply.
	RoleIncident Role = "incident"
	// RoleSender: the sender of a mail that opened no case (rejection
	// replies).
	RoleSender Role = "sender"
	// RoleOperator: the people told about the gateway itself (flood
	// alerts).
	RoleOperator Role = "operator"
	// RoleManagement: management and the team leads (the reviews).
	RoleManagement Role = "management"
)

// Roles lists every role.
var Roles = []Role{RoleTeam, RoleAgent, RoleCustomer, RoleIncident, RoleSender, RoleOperator, RoleManagement}
