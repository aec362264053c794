package main

import (
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// privacyFlags are publish's privacy budgets (differential privacy, ε):
// --card-epsilon for the card's statistics, --questions-epsilon and
// --questions-per-requester for questions before buying, --no-questions.
type privacyFlags struct {
	card, questions, perRequester string
	noQuestions                   bool
}

func (p *privacyFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&p.card, "card-epsilon", marketplace.DefaultCardEpsilon, "privacy budget ε the card's statistics spend, once, at publishing (smaller: more noise, more privacy)")
	f.StringVar(&p.questions, "questions-epsilon", marketplace.DefaultQuestionsEpsilon, "total ε that answers to researchers' questions before buying may spend")
	f.StringVar(&p.perRequester, "questions-per-requester", marketplace.DefaultQuestionsPerRequester, "ε one researcher's questions may spend, at most --questions-epsilon")
	f.BoolVar(&p.noQuestions, "no-questions", false, "answer no questions before buying")
}

// parse checks every budget; EINVALID names the flag.
func (p *privacyFlags) parse() error {
	if _, err := marketplace.ParseEpsilon("--card-epsilon", p.card); err != nil {
		return err
	}
	if p.noQuestions {
		return nil
	}
	total, err := marketplace.ParseEpsilon("--questions-epsilon", p.questions)
	if err != nil {
		return err
	}
	per, err := marketplace.ParseEpsilon("--questions-per-requester", p.perRequester)
	if err != nil {
		return err
	}
	if per.Cmp(total) > 0 {
		return marketplace.Errorf(marketplace.EINVALID, "--questions-per-requester %s: one researcher cannot spend more than --questions-epsilon %s.", p.perRequester, p.questions)
	}
	return nil
}

// apply sets the budgets on req.
func (p *privacyFlags) apply(req *app.PublishRequest) {
	req.CardEpsilon, req.QuestionsEpsilon, req.QuestionsPerRequester, req.QuestionsOff = p.card, p.questions, p.perRequester, p.noQuestions
}
