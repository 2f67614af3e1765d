package mailparse

import (
	"slices"
	"strconv"
	"strings"
)

// visibility follows the open elements of an HTML part to tell which text
// a person reading the mail sees, so that text hidden from them is never
// read as template fields. Text is hidden inside an element with the
// hidden attribute or, in its inline style, display:none, opacity:0,
// mso-hide:all or max-height:0 with overflow:hidden; under
// visibility:hidden (until a descendant sets visible); at a zero font size
// (under 1px or 1pt, 0.1em, 10%; a descendant with an absolute size shows
// again, as MJML's layouts rely on); and in white or nearly white text
// (white, #fff, #ffffff, rgb(255,255,255), channels all 0xF0 or more, and
// transparent) unless an element on the way sets a background that is not
// white. Stylesheets and classes are not read.
//
// The tokenizer gives no tree, so implied ends are applied the way HTML
// parsers do for the common cases (a block start closes an open <p>, <li>
// closes <li>, a cell closes a cell, a row a row), and an end tag closes
// the nearest open element of its name within maxEndSearch levels.
// Markup it cannot place leaves text hidden rather than shown.
type visibility struct {
	open []openElement
}

type openElement struct {
	name string
	st   style
}

// style is the state inherited inside an element.
type style struct {
	none      bool // display:none and the like: nothing inside shows
	invisible bool // visibility:hidden
	zeroFont  bool
	color     colour
	darkBg    bool // the nearest background set is not white
}

type colour int

const (
	colourOther colour = iota
	colourWhite
	colourClear
)

// maxEndSearch bounds how far an end tag looks for its element, so that
// hostile markup costs linear time.
const maxEndSearch = 64

func (v *visibility) current() style {
	if n := len(v.open); n > 0 {
		return v.open[n-1].st
	}
	return style{}
}

// hidden reports whether text at this point is hidden.
func (v *visibility) hidden() bool {
	s := v.current()
	return s.none || s.invisible || s.zeroFont || s.color == colourClear || (s.color == colourWhite && !s.darkBg)
}

// closeImplied closes what the start of element name ends implicitly.
func (v *visibility) closeImplied(name string) {
	switch {
	case closesP(name):
		v.closeNearest([]string{"p"}, "table", "td", "th", "button", "caption", "html", "body")
	case name == "li":
		v.closeNearest([]string{"li"}, "ul", "ol", "menu", "table")
	case name == "dt" || name == "dd":
		v.closeNearest([]string{"dt", "dd"}, "dl", "table")
	case name == "td" || name == "th":
		v.closeNearest([]string{"td", "th"}, "tr", "table")
	case name == "tr":
		v.closeNearest([]string{"tr"}, "table", "tbody", "thead", "tfoot")
	case name == "tbody" || name == "thead" || name == "tfoot":
		v.closeNearest([]string{"tbody", "thead", "tfoot"}, "table")
	case name == "option":
		v.closeNearest([]string{"option"}, "select")
	case name == "body":
		v.closeNearest([]string{"head"}, "html")
	}
}

// closeNearest closes the nearest open element named in names, unless an
// element named in stop (or the search bound) comes first.
func (v *visibility) closeNearest(names []string, stop ...string) {
	for i := len(v.open) - 1; i >= 0 && i >= len(v.open)-maxEndSearch; i-- {
		n := v.open[i].name
		if slices.Contains(names, n) {
			v.open = v.open[:i]
			return
		}
		if slices.Contains(stop, n) {
			return
		}
	}
}

func closesP(name string) bool {
	switch name {
	case "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl",
		"fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
		"header", "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "ul":
		return true
	}
	return false
}

// void elements have no content and no end tag.
func isVoid(name string) bool {
	switch name {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "keygen":
		return true
	}
	return false
}

// push opens element name with its attributes (name/value pairs).
func (v *visibility) push(name string, attrs [][2]string) {
	if isVoid(name) {
		return
	}
	st := v.current()
	var overflowHidden, zeroHeight bool
	for _, a := range attrs {
		switch a[0] {
		case "hidden":
			st.none = true
		case "bgcolor":
			st.setBackground(a[1])
		case "color":
			if name == "font" {
				if c, ok := parseColour(a[1]); ok {
					st.color = c
				}
			}
		case "style":
			for _, d := range strings.Split(a[1], ";") {
				k, val, ok := strings.Cut(d, ":")
				if !ok {
					continue
				}
				k = strings.ToLower(strings.TrimSpace(k))
				val = strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(val), "!important")))
				switch k {
				case "display":
					st.none = st.none || val == "none"
				case "visibility":
					switch val {
					case "hidden", "collapse":
						st.invisible = true
					case "visible":
						st.invisible = false
					}
				case "opacity":
					if f, ok := number(strings.TrimSuffix(val, "%")); ok && f <= 0 {
						st.none = true
					}
				case "mso-hide":
					st.none = st.none || val == "all"
				case "overflow", "overflow-y":
					overflowHidden = overflowHidden || val == "hidden" || val == "clip"
				case "max-height", "height":
					if f, ok := number(strings.TrimRight(val, "pxtem%")); ok && f <= 0 {
						zeroHeight = true
					}
				case "font-size":
					st.zeroFont = tinyFont(val, st.zeroFont)
				case "color":
					if c, ok := parseColour(val); ok {
						st.color = c
					}
				case "background", "background-color":
					st.setBackground(val)
				}
			}
		}
	}
	if overflowHidden && zeroHeight {
		st.none = true
	}
	v.open = append(v.open, openElement{name: name, st: st})
}

// pop closes the nearest open element called name, if it is near, and
// reports whether that element was hidden (when none is found: whether
// text is hidden here).
func (v *visibility) pop(name string) (hidden bool) {
	hidden = v.hidden()
	for i := len(v.open) - 1; i >= 0 && i >= len(v.open)-maxEndSearch; i-- {
		if v.open[i].name == name {
			v.open = v.open[:i+1]
			hidden = v.hidden()
			v.open = v.open[:i]
			return hidden
		}
	}
	return hidden
}

func (s *style) setBackground(val string) {
	val = strings.TrimSpace(strings.ToLower(val))
	if val == "" || val == "transparent" || val == "none" || val == "inherit" || val == "initial" {
		return
	}
	c, ok := parseColour(strings.Fields(val)[0])
	switch {
	case ok && c == colourClear:
	case ok && c == colourWhite:
		s.darkBg = false
	default:
		// Another colour, or an image: white text may well show on it.
		s.darkBg = true
	}
}

// tinyFont reports whether a font-size makes text unreadably small;
// parentZero is the parent's state, which relative sizes inherit.
func tinyFont(val string, parentZero bool) bool {
	unitless := func(u string) (float64, bool) { return number(strings.TrimSuffix(val, u)) }
	switch {
	case val == "inherit" || val == "":
		return parentZero
	case strings.HasSuffix(val, "rem"):
		f, ok := unitless("rem")
		return ok && f < 0.1
	case strings.HasSuffix(val, "em"), strings.HasSuffix(val, "ex"), strings.HasSuffix(val, "ch"):
		f, ok := number(val[:len(val)-2])
		return parentZero || (ok && f < 0.1)
	case strings.HasSuffix(val, "%"):
		f, ok := unitless("%")
		return parentZero || (ok && f < 10)
	case strings.HasSuffix(val, "px"), strings.HasSuffix(val, "pt"), strings.HasSuffix(val, "pc"):
		f, ok := number(val[:len(val)-2])
		return ok && f < 1
	}
	if f, ok := number(val); ok {
		return f <= 0
	}
	return false // keywords: small, x-small, ...
}

func number(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil
}

// nearWhite are the named colours a reader cannot tell from white.
var nearWhite = []string{"white", "snow", "ghostwhite", "whitesmoke", "ivory", "floralwhite", "mintcream",
	"azure", "aliceblue", "seashell", "honeydew", "lavenderblush", "linen", "oldlace"}

// parseColour classifies a CSS colour; ok is false when it is not read.
func parseColour(val string) (c colour, ok bool) {
	val = strings.ToLower(strings.TrimSpace(val))
	switch {
	case val == "" || val == "inherit" || val == "unset" || val == "currentcolor":
		return colourOther, false // the inherited colour stays
	case val == "transparent":
		return colourClear, true
	case slices.Contains(nearWhite, val):
		return colourWhite, true
	case strings.HasPrefix(val, "#"):
		h := val[1:]
		var r, g, b, a uint64 = 0, 0, 0, 255
		var err error
		parse := func(s string, short bool) uint64 {
			if err != nil {
				return 0
			}
			var n uint64
			n, err = strconv.ParseUint(s, 16, 8)
			if short {
				n *= 17
			}
			return n
		}
		switch len(h) {
		case 3, 4:
			r, g, b = parse(h[0:1], true), parse(h[1:2], true), parse(h[2:3], true)
			if len(h) == 4 {
				a = parse(h[3:4], true)
			}
		case 6, 8:
			r, g, b = parse(h[0:2], false), parse(h[2:4], false), parse(h[4:6], false)
			if len(h) == 8 {
				a = parse(h[6:8], false)
			}
		default:
			return colourOther, false
		}
		if err != nil {
			return colourOther, false
		}
		return classify(float64(r), float64(g), float64(b), float64(a)/255), true
	case strings.HasPrefix(val, "rgb"):
		i, j := strings.IndexByte(val, '('), strings.LastIndexByte(val, ')')
		if i < 0 || j < i {
			return colourOther, false
		}
		parts := strings.FieldsFunc(val[i+1:j], func(r rune) bool { return r == ',' || r == ' ' || r == '/' })
		if len(parts) < 3 {
			return colourOther, false
		}
		var ch [4]float64
		ch[3] = 1
		for k := 0; k < len(parts) && k < 4; k++ {
			p := parts[k]
			f, ok := number(strings.TrimSuffix(p, "%"))
			if !ok {
				return colourOther, false
			}
			if strings.HasSuffix(p, "%") {
				if k < 3 {
					f *= 2.55
				} else {
					f /= 100
				}
			}
			ch[k] = f
		}
		return classify(ch[0], ch[1], ch[2], ch[3]), true
	}
	return colourOther, true
}

// classify tells white (or, seen through its transparency on white,
// nearly white) and transparent colours from the others.
func classify(r, g, b, alpha float64) colour {
	if alpha <= 0 {
		return colourClear
	}
	alpha = min(alpha, 1)
	light := func(c float64) bool { return c*alpha+255*(1-alpha) >= 0xF0 }
	if light(r) && light(g) && light(b) {
		return colourWhite
	}
	return colourOther
}
