package frontend

import (
	"net/url"
	"strings"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// privacyBudgetForm is the publish form's "Privacy budget" fieldset: the
// card's ε, the questions' total and per-requester ε ("" shows the
// default), and whether questions are off.
type privacyBudgetForm struct {
	Card, Questions, PerRequester string
	QuestionsOff                  bool
}

// budgetField is one ε field of the fieldset.
type budgetField struct {
	Name, Label, Default, Help string
}

// budgetFields are the fieldset's ε fields, in order; their Label is how
// errors name them.
func budgetFields() []budgetField {
	return []budgetField{
		{"card-epsilon", "Card statistics ε", marketplace.DefaultCardEpsilon, "spent once, now, on the charts every visitor sees"},
		{"questions-epsilon", "Questions ε, in total", marketplace.DefaultQuestionsEpsilon, "what all answers to researchers' questions may spend"},
		{"questions-per-requester", "Questions ε per researcher", marketplace.DefaultQuestionsPerRequester, "what one researcher's questions may spend"},
	}
}

func readPrivacyBudgetForm(v url.Values) privacyBudgetForm {
	return privacyBudgetForm{Card: strings.TrimSpace(v.Get("card-epsilon")), Questions: strings.TrimSpace(v.Get("questions-epsilon")),
		PerRequester: strings.TrimSpace(v.Get("questions-per-requester")), QuestionsOff: v.Get("no-questions") != ""}
}

// value is what the field shows: what was typed, else its default.
func (f privacyBudgetForm) value(field budgetField) string {
	var v string
	switch field.Name {
	case "card-epsilon":
		v = f.Card
	case "questions-epsilon":
		v = f.Questions
	case "questions-per-requester":
		v = f.PerRequester
	}
	if v == "" {
		return field.Default
	}
	return v
}

// problem is what is wrong with the field's value, "" when nothing; the
// questions' fields are not checked when questions are off.
func (f privacyBudgetForm) problem(field budgetField) string {
	if f.QuestionsOff && field.Name != "card-epsilon" {
		return ""
	}
	if _, err := marketplace.ParseEpsilon(field.Label, f.value(field)); err != nil {
		return marketplace.ErrorMessage(err)
	}
	if field.Name == "questions-per-requester" {
		total, err1 := marketplace.ParseEpsilon("", f.value(budgetFields()[1]))
		per, err2 := marketplace.ParseEpsilon("", f.value(field))
		if err1 == nil && err2 == nil && per.Cmp(total) > 0 {
			return field.Label + " " + f.value(field) + ": one researcher cannot spend more than the total, " + f.value(budgetFields()[1]) + "."
		}
	}
	return ""
}

// apply checks every field and sets the budgets on req; the error is the
// first field's problem (EINVALID, naming it).
func (f privacyBudgetForm) apply(req *app.PublishRequest) error {
	for _, field := range budgetFields() {
		if p := f.problem(field); p != "" {
			return marketplace.Errorf(marketplace.EINVALID, "%s", p)
		}
	}
	req.CardEpsilon, req.QuestionsEpsilon, req.QuestionsPerRequester, req.QuestionsOff = f.value(budgetFields()[0]), f.value(budgetFields()[1]), f.value(budgetFields()[2]), f.QuestionsOff
	return nil
}
