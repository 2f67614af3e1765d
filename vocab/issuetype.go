package vocab

import "slices"

// IssueType is the Issue Type of the management template.
type IssueType string

// The issue types.
const (
	IssueLegal       IssueType = "legal"
	IssueMedia       IssueType = "media"
	IssueSecurity    IssueType = "security"
	IssueMajorOutage IssueType = "major_outage"
	IssueFraud       IssueType = "fraud"
	IssueMarketing   IssueType = "marketing"
)

// IssueTypes lists every issue type.
var IssueTypes = []IssueType{IssueLegal, IssueMedia, IssueSecurity, IssueMajorOutage, IssueFraud, IssueMarketing}

var issueTitles = map[IssueType]string{IssueLegal: "Legal", IssueMedia: "Media", IssueSecurity: "Security", IssueMajorOutage: "Major Outage",
	IssueFraud: "Fraud", IssueMarketing: "Marketing"}

// issueTypeWordings are the Issue Type wordings agents write (lower case,
// single spaces), with the type each means.
var issueTypeWordings = map[string]IssueType{
	"legal": IssueLegal, "legal threat": IssueLegal, "legal issue": IssueLegal, "legal matter": IssueLegal,
	"media": IssueMedia, "media inquiry": IssueMedia, "media enquiry": IssueMedia, "press": IssueMedia,
	"press inquiry": IssueMedia,
	"security":      IssueSecurity, "security issue": IssueSecurity, "security incident": IssueSecurity,
	"data breach": IssueSecurity, "data breach suspected": IssueSecurity, "breach": IssueSecurity,
	"security breach": IssueSecurity,
	"major outage":    IssueMajorOutage, "major service outage": IssueMajorOutage, "outage": IssueMajorOutage,
	"service outage": IssueMajorOutage, "major incident": IssueMajorOutage,
	"complete outage": IssueMajorOutage, "complete service outage": IssueMajorOutage,
	// Fraud and Marketing are not on the reference's template line, but its
	// contacts route them (Fraud Suspected: fraud@; the CMO: "Marketing
	// issues, partnerships"), so the management template accepts them.
	"fraud": IssueFraud, "fraud detected": IssueFraud, "suspected fraud": IssueFraud,
	"fraud suspected": IssueFraud, "fraudulent activity": IssueFraud,
	"marketing": IssueMarketing, "marketing issue": IssueMarketing, "partnership": IssueMarketing,
	"partnerships": IssueMarketing, "partnership inquiry": IssueMarketing, "sponsorship": IssueMarketing,
}

// ParseIssueType reads an Issue Type wording (lower case, single spaces):
// a type's name with spaces for underscores, or a common wording of it.
func ParseIssueType(wording string) (IssueType, bool) {
	t, ok := issueTypeWordings[wording]
	return t, ok
}

// Valid reports whether t is one of IssueTypes.
func (t IssueType) Valid() bool { return slices.Contains(IssueTypes, t) }

// Title is the issue type as the template writes it: "Major Outage".
func (t IssueType) Title() string { return issueTitles[t] }

// IssueTypeNames lists the issue types as strings.
func IssueTypeNames() []string { return names(IssueTypes) }

// IssueTypeTitles lists the issue types as the template writes them.
func IssueTypeTitles() []string {
	out := make([]string, len(IssueTypes))
	for i, t := range IssueTypes {
		out[i] = t.Title()
	}
	return out
}
