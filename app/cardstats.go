package app

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/dp"
	"github.com/medmarket/medmarket/marketplace"
)

// Card statistics: at publishing, the card gets its data's statistics,
// released with differential privacy under the publisher's card ε
// (PublishRequest.CardEpsilon): discrete Gaussian noise accounted in
// zero-concentrated DP, the card (ε, dp.CardDelta)-DP as a whole (see
// anonymize/dp's card statistics), and the budget under which the
// listing's provider answers questions before buying
// (PublishRequest.Questions..., discrete Laplace under ε budgets).
//
//   - One table: the patient is the table's pseudonymized column (the first
//     column a pseudonymize step or a release key changed, as the report's
//     treatments name it), each patient contributing at most one row; a
//     table with none counts each row as its own patient (privacy per row;
//     the statistics say so: no patient_column).
//   - A release: the card's ρ is split evenly over its tables (zCDP adds
//     up). The Patient table keeps one row per patient and describes its
//     columns; every other table keeps at most ReleaseRowsPerPatient rows
//     per patient and describes only what its rows record, the code's
//     description (or the code), counting the patients holding each, so a
//     code's count over the patients is its prevalence. Describing every
//     column of ten tables would split ρ so thin that few categories pass
//     their noise threshold on a release of thousands of patients. Tables
//     released unlinked (no publisher secret: the patient column removed)
//     count each row as its own patient.
//
// Other pseudonymized columns (record and encounter ids) are not
// described: their values are one-to-one stand-ins with nothing to count,
// and describing them would only thin every other statistic's ρ.

// ReleaseRowsPerPatient is the most rows one patient contributes to the
// card statistics of a release table other than the Patient table. Rows
// beyond it (in table order) are left out of the statistics: a patient with
// 300 observations counts as 20, which bounds what one patient can change
// (the noise scales with it) while keeping the typical patient whole (a
// Synthea patient has a few to a few dozen rows per table). A constant, not
// taken from the data: choosing it from the data would leak.
const ReleaseRowsPerPatient = 20

// cardLabelRunes is the length the card's category labels are cut to when
// the statistics would not fit marketplace.MaxCardStatisticsBytes whole.
const cardLabelRunes = 40

// Aliases of the card statistics for the UIs, which do not import
// anonymize/dp: what a card carries, as DecodeCardStatistics reads it.
type (
	CardStatistics  = dp.Card
	CardTableStats  = dp.TableStats
	CardColumnStats = dp.ColumnStats
	CardCell        = dp.Cell
	CardFigure      = dp.Figure
)

// DecodeCardStatistics reads the statistics a card carries; nil, nil
// when it carries none (listings published before statistics).
func DecodeCardStatistics(card *marketplace.DatasetCard) (*CardStatistics, error) {
	if card == nil || len(card.Statistics) == 0 {
		return nil, nil
	}
	var c CardStatistics
	if err := json.Unmarshal(card.Statistics, &c); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Card statistics cannot be read")
	}
	return &c, nil
}

// budgets reads the request's privacy budgets, defaults filled in: the
// card's ε, and the questions' budget (nil when QuestionsOff). Errors are
// EINVALID and name the field.
func (req *PublishRequest) budgets() (*big.Rat, *marketplace.CardQuestions, error) {
	card, err := marketplace.ParseEpsilon("Card epsilon", orDefault(req.CardEpsilon, marketplace.DefaultCardEpsilon))
	if err != nil {
		return nil, nil, err
	}
	if req.QuestionsOff {
		return card, nil, nil
	}
	q := &marketplace.CardQuestions{
		Epsilon:      strings.TrimSpace(orDefault(req.QuestionsEpsilon, marketplace.DefaultQuestionsEpsilon)),
		PerRequester: strings.TrimSpace(orDefault(req.QuestionsPerRequester, marketplace.DefaultQuestionsPerRequester)),
		Mechanism:    dp.Mechanism,
	}
	total, err := marketplace.ParseEpsilon("Questions epsilon", q.Epsilon)
	if err != nil {
		return nil, nil, err
	}
	per, err := marketplace.ParseEpsilon("Questions per requester", q.PerRequester)
	if err != nil {
		return nil, nil, err
	}
	if per.Cmp(total) > 0 {
		return nil, nil, marketplace.Errorf(marketplace.EINVALID, "Questions per requester %s: one requester cannot spend more than the listing's total, %s.", q.PerRequester, q.Epsilon)
	}
	return card, q, nil
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// describe puts on card its statistics of tables under the request's card
// ε, and the questions' budget, then validates the card.
func (a *App) describe(card *marketplace.DatasetCard, req *PublishRequest, tables []dp.CardTable) error {
	eps, q, err := req.budgets()
	if err != nil {
		return err
	}
	stats, err := dp.NewCard(eps, tables, a.noise)
	if err != nil {
		return engineError("card statistics", err)
	}
	if card.Statistics, err = encodeCardStatistics(stats); err != nil {
		return err
	}
	card.Questions = q
	return card.Validate()
}

// encodeCardStatistics encodes the statistics within
// marketplace.MaxCardStatisticsBytes: whole, else with category labels cut
// to cardLabelRunes, else refused.
func encodeCardStatistics(c dp.Card) (json.RawMessage, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode the card statistics: %w", err)
	}
	if len(b) <= marketplace.MaxCardStatisticsBytes {
		return b, nil
	}
	c.TruncateLabels(cardLabelRunes)
	if b, err = json.Marshal(c); err != nil {
		return nil, fmt.Errorf("encode the card statistics: %w", err)
	}
	if len(b) > marketplace.MaxCardStatisticsBytes {
		return nil, marketplace.Errorf(marketplace.EINVALID,
			"Publishing refused: the card statistics are %d bytes even with labels cut to %d characters, more than a dataset card holds (%d bytes); publish fewer columns or tables.",
			len(b), cardLabelRunes, marketplace.MaxCardStatisticsBytes)
	}
	return b, nil
}

// singleCardTable is how a one-table publish is described: its first
// pseudonymized column is the patient (one row each), else each row is.
func singleCardTable(t *anonymize.Table) []dp.CardTable {
	patient := ""
	for _, c := range t.Columns {
		if pseudonymized(c) {
			patient = c.Name
			break
		}
	}
	return []dp.CardTable{{Table: describedColumns(t, patient), Options: dp.CardOptions{PatientColumn: patient, Clip: 1}}}
}

// releaseCardTables is how a release is described: each table by its
// patient column (the Patient table's key, the others' link), the Patient
// table one row per patient, the others ReleaseRowsPerPatient and patients
// per code; a table whose patient column was removed, per row.
func releaseCardTables(rel *anonymize.Release) []dp.CardTable {
	var out []dp.CardTable
	for _, t := range rel.Tables {
		key, clip := rel.LinkColumn, int64(ReleaseRowsPerPatient)
		if t.Name == rel.PatientTable {
			key, clip = rel.IDColumn, 1
		}
		if t.Column(key) == nil {
			key, clip = "", 1
		}
		described := describedColumns(t, key)
		if t.Name != rel.PatientTable {
			described = eventColumns(described, key)
		}
		out = append(out, dp.CardTable{Table: described,
			Options: dp.CardOptions{PatientColumn: key, Clip: clip, PatientsPerCategory: clip > 1}})
	}
	return out
}

// eventColumns keeps, of an event table, its patient column and the column
// saying what each row records: the code's description (an encounter's
// type), else the code; the whole table when it has none of them.
func eventColumns(t *anonymize.Table, patient string) *anonymize.Table {
	for _, name := range []string{"description", "type", "code", "type_code"} {
		if c := t.Column(name); c != nil {
			cols := []*anonymize.Column{c}
			if p := t.Column(patient); p != nil {
				cols = append(cols, p)
			}
			return t.WithColumns(cols)
		}
	}
	return t
}

// pseudonymized says c holds keyed pseudonyms (a pseudonymize step or the
// release key changed it).
func pseudonymized(c *anonymize.Column) bool {
	return slices.Contains(c.Applied, "pseudonymize") || slices.Contains(c.Applied, "release-key")
}

// describedColumns is t without its pseudonymized columns other than the
// patient's (which CardStats uses and does not describe).
func describedColumns(t *anonymize.Table, patient string) *anonymize.Table {
	cols := make([]*anonymize.Column, 0, len(t.Columns))
	for _, c := range t.Columns {
		if c.Name == patient || !pseudonymized(c) {
			cols = append(cols, c)
		}
	}
	return t.WithColumns(cols)
}

// lockedSource serialises a Source that is not safe for concurrent use
// (two publishes at once share the app's).
type lockedSource struct {
	mu  sync.Mutex
	src dp.Source
}

func (l *lockedSource) Uint64() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.src.Uint64()
}

// noiseSource is the app's noise: src serialised, or crypto/rand.
func noiseSource(src dp.Source) dp.Source {
	if src == nil {
		return dp.CryptoSource{}
	}
	return &lockedSource{src: src}
}
