package frontend

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// statsView is a card's statistics as the card page draws them
// (card_stats.templ): every figure as text with its 95 % bound, and each
// bar's width as a number the template writes into an SVG attribute.
type statsView struct {
	None                            bool   // the card carries no statistics (published before them)
	Problem                         string // the statistics could not be read
	Epsilon, Mechanism, Composition string
	Delta                           float64 // the whole card's δ; 0 on cards that did not state one
	MaxRowsPerPatient               int64
	PerRow                          bool // some table counts each row as its own patient
	Tables                          []statsTableView
}

type statsTableView struct {
	Name              string
	Patients, Rows    string // "120 ± 14", "" when not shown (statsViewOf)
	MaxRowsPerPatient int64
	Budget            string // the table's share: "ρ ≈ 0.001666" (zCDP), or "ε 1/2" on older cards
	Threshold         int64
	Columns           []statsColumnView
}

type statsColumnView struct {
	Name, Type string
	Counts     string // "rows" or "patients"
	Missing    string // "3.1 %"
	Bars       []statsBar
	Hidden     int // cells left out: within their noise of zero
}

type statsBar struct {
	Label      string
	Width      string // the bar's width in % of the column's largest count, digits only
	Figure     string // "120 ± 14"
	Prevalence string // "≈ 41 % of patients", or ""
}

// statsViewOf lays out the statistics card carries.
func statsViewOf(card *marketplace.DatasetCard) statsView {
	st, err := app.DecodeCardStatistics(card)
	if err != nil {
		return statsView{Problem: marketplace.ErrorMessage(err)}
	}
	if st == nil {
		return statsView{None: true}
	}
	v := statsView{Epsilon: st.Epsilon, Delta: st.Delta, Mechanism: st.Mechanism, Composition: st.Composition}
	population := populationOf(st)
	for _, t := range st.Tables {
		tv := statsTableView{Name: t.Table, MaxRowsPerPatient: t.MaxRowsPerPatient, Budget: tableBudget(t), Threshold: t.CategoryThreshold}
		// The card states each table's exact row count (and a release's
		// patients) elsewhere: a noisy twin is shown only for what it does
		// not say, the patients of a table with several rows each, or of a
		// single table, and the rows a clip leaves counted.
		if t.PatientColumn != "" && (t.MaxRowsPerPatient > 1 || len(st.Tables) == 1) {
			tv.Patients = figure(t.Patients)
		}
		if t.MaxRowsPerPatient > 1 {
			tv.Rows = figure(t.Rows)
		}
		v.PerRow = v.PerRow || t.PatientColumn == ""
		v.MaxRowsPerPatient = max(v.MaxRowsPerPatient, t.MaxRowsPerPatient)
		for _, c := range t.Columns {
			tv.Columns = append(tv.Columns, statsColumnOf(c, population))
		}
		v.Tables = append(v.Tables, tv)
	}
	return v
}

// populationOf is the noisy patient count prevalences are taken over: the
// table with one row per patient (a release's Patient table), when its
// figure is clearly above its noise (at least twice its bound); else none.
func populationOf(st *app.CardStatistics) *app.CardFigure {
	for i, t := range st.Tables {
		if t.PatientColumn != "" && t.MaxRowsPerPatient == 1 && t.Patients.Value >= 2*t.Patients.Bound95 && t.Patients.Value > 0 {
			return &st.Tables[i].Patients
		}
	}
	return nil
}

func figure(f app.CardFigure) string {
	return strconv.FormatInt(f.Value, 10) + " ± " + strconv.FormatInt(f.Bound95, 10)
}

// statsColumnOf lays out one column: histogram and year cells whose count
// is within its bound of zero are left out (they are noise as likely as
// data; post-processing), categories are as the card keeps them.
func statsColumnOf(c app.CardColumnStats, population *app.CardFigure) statsColumnView {
	cv := statsColumnView{Name: c.Name, Type: c.Type, Counts: c.Counts, Missing: pct(c.MissingShare)}
	var top int64
	var shown []app.CardCell
	for _, cell := range c.Cells {
		if c.Kind != "categories" && cell.Value <= cell.Bound95 {
			cv.Hidden++
			continue
		}
		shown = append(shown, cell)
		top = max(top, cell.Value)
	}
	for _, cell := range shown {
		b := statsBar{Label: cell.Label, Figure: strconv.FormatInt(cell.Value, 10) + " ± " + strconv.FormatInt(cell.Bound95, 10),
			Width: strconv.FormatFloat(100*float64(cell.Value)/float64(max(top, 1)), 'f', 1, 64)}
		if c.Counts == "patients" && population != nil {
			b.Prevalence = fmt.Sprintf("≈ %s of patients", pct(min(float64(cell.Value)/float64(population.Value), 1)))
		}
		cv.Bars = append(cv.Bars, b)
	}
	return cv
}

// rowsPerPatient says how many of a patient's rows the figures count.
func rowsPerPatient(n int64) string {
	if n == 1 {
		return "at most 1 row per patient"
	}
	return "at most " + strconv.FormatInt(n, 10) + " rows per patient"
}

// tableBudget is a table's share of the card's budget: its ρ under zCDP,
// or, on cards published before zCDP, its ε.
func tableBudget(t app.CardTableStats) string {
	if r, ok := new(big.Rat).SetString(t.Rho); ok && t.Rho != "" {
		f, _ := r.Float64()
		return "ρ ≈ " + strconv.FormatFloat(f, 'g', 4, 64)
	}
	return "ε " + t.Epsilon
}

// noiseName is the noise's distribution without its accounting:
// "discrete Gaussian" for "discrete Gaussian (zCDP)".
func (v statsView) noiseName() string {
	return strings.TrimSuffix(v.Mechanism, " (zCDP)")
}

// privacy is the card's guarantee: "(ε = 1, δ = 10⁻⁶)", or "ε = 1" when
// the card states no δ.
func (v statsView) privacy() string {
	if v.Delta <= 0 {
		return "ε = " + v.Epsilon
	}
	return "(ε = " + v.Epsilon + ", δ = " + powerOfTen(v.Delta) + ")"
}

// powerOfTen writes 1e-06 as "10⁻⁶"; other numbers as %g.
func powerOfTen(x float64) string {
	e := int(math.Round(math.Log10(x)))
	if math.Pow(10, float64(e)) != x {
		return strconv.FormatFloat(x, 'g', 3, 64)
	}
	sup := strings.NewReplacer("-", "⁻", "0", "⁰", "1", "¹", "2", "²", "3", "³", "4", "⁴", "5", "⁵", "6", "⁶", "7", "⁷", "8", "⁸", "9", "⁹")
	return "10" + sup.Replace(strconv.Itoa(e))
}

// caption says how the card's figures were released, in one sentence.
func (v statsView) caption() string {
	noise := v.Mechanism + " noise"
	if name := v.noiseName(); name != v.Mechanism {
		noise = name + " noise (zCDP)"
	}
	s := "Released with differential privacy: " + v.privacy() + " for the whole card, " + noise + ", " + rowsPerPatient(v.MaxRowsPerPatient)
	if v.PerRow {
		s += " (in a table without a patient column, each row counts as its own patient)"
	}
	return s + "; figures are ± the 95 % bound."
}
