// Package router owns escalationd's routing policy: which teams a new case
// goes to, which special categories it falls into, and why.
//
// [Compile] turns the config's teams, rotations, categories and routes into
// a [Router] once, at load. It is the one place the routing rules live
// (team references, after_hours chains, keywords that can match, routes
// that can be reached); [Check] gives its problems, with file and line, to
// check-config. [Router.Route] is then pure: no I/O, no clock
// (the instant is a parameter), no error; it only reads the compiled tree.
//
// # Routes
//
// The routes form a tree evaluated depth-first, like Alertmanager's. A route
// matches when every non-empty matcher list matches (kind, urgency, mailbox,
// issue_type, category, sender, keywords); within a list any value will do.
// When a route matches, its children are tried the same way; the deepest
// matching routes contribute their to, cc, incident, flags, notes and
// actions, and a parent contributes its own only when none of its children
// matched. Among siblings the first match wins, unless it says continue, in
// which case the next siblings are tried too.
//
// # Categories
//
// Categories (security, legal, media, ...) are detected independently of the
// routes, from the mailbox, the kind, the management template's issue type
// and keywords in the subject and text. Every detected category adds its
// flags and notes to the decision whatever route matched, so a legal case is
// confidential even if a route forgets it. Routes can match on categories.
// A category's keywords look in its fields (subject, text; both by
// default), and one of its exclude_keywords found there holds them back: a
// billing dispute that mentions a chargeback is not fraud.
//
// # Breach chains
//
// A route or category may set the case's breach chain (chain,
// top_reminders): the deepest contributing route that sets one wins, then
// the first detected category, else the decision leaves the urgency's
// (Decision.Chain nil). A chain entry is a team, or "lead:<team>" for the
// address a team names as its lead ([LeadPrefix], [Router.ResolveTeam]).
// A confidential case sends no incident notice (Decision.IncidentWithheld).
//
// # Teams
//
// Teams resolve to addresses at the routing instant: a team with hours
// resolves to its after_hours team outside them, and a team with a rotation
// to whoever is on call. Addresses are deduplicated; To wins over Cc.
package router
