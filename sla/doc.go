// Package sla owns the time rules of an escalation: the urgency clocks
// (response targets, status checks, customer updates and the breach chain),
// business hours and on-call rotations.
//
// Everything here is pure: no I/O, no clock. Each function takes the instant
// it is asked about, so callers stamp now once per cycle and pass it down, and
// tests walk a whole year in a few milliseconds.
//
// # Business hours
//
// [Hours] is compiled from a [config.Hours] (typed values the config parsed;
// [NewHours] holds the rules, such as end after start) and answers [Hours.In] by wall
// clock in its time zone: 09:00-18:00 America/New_York means 09:00-18:00 in
// New York in winter and in summer alike.
//
// # On-call rotations
//
// [Rotation] is compiled from a [config.Rotation]; [NewRotation] holds the
// rules that keep somebody on call (no short first shift, no overrides that
// run backwards, overlap or name nobody). People take one-week turns
// in order, starting with People[0] on the configured start date at the
// hand-off time, repeating forward and backward. Every hand-off is computed
// with time.Date in the rotation's time zone, never by adding 168 hours, so
// the hand-off stays at 09:00 local across daylight-saving changes and a week
// that spans a change lasts 167 or 169 hours. Overrides ("YYYY-MM-DD HH:MM"
// local spans) replace the rotation with one person. Exactly one person is on
// call at every instant; [Rotation.OnCall] also says until when.
//
// [Schedule] holds every rotation of a config, for `escalationd oncall`.
//
// This package imports config only; router imports it for hours and
// rotations, so sla must never import router.
package sla
