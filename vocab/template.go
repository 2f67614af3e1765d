package vocab

import "slices"

// Template names a mail template (templates/mail/<name>.tmpl). Each mail
// event has the template of the same name; TemplateCustomerUpdateDirect is
// the customer-update event's variant addressed to the customer.
type Template string

// TemplateCustomerUpdateDirect is the customer update sent to the customer
// directly (policy customer_updates: customer).
const TemplateCustomerUpdateDirect Template = "customer-update-direct"

// Templates lists every template: one per mail event, and the variants.
var Templates = append(eventTemplates(), TemplateCustomerUpdateDirect)

func eventTemplates() []Template {
	out := make([]Template, 0, len(MailEvents))
	for _, e := range MailEvents {
		out = append(out, e.Template())
	}
	return out
}

// Valid reports whether t is one of Templates.
func (t Template) Valid() bool { return slices.Contains(Templates, t) }

// TemplateNames lists the template names as strings.
func TemplateNames() []string { return names(Templates) }
