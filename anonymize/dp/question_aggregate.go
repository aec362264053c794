package dp

import (
	"fmt"
	"strings"

	"github.com/medmarket/medmarket/anonymize"
)

// aggregate answers SUM, MEAN, QUANTILE and HISTOGRAM questions.
func (e *evaluation) aggregate() error {
	return fmt.Errorf("%s is not answered yet: %w", strings.ToUpper(e.q.Statistic), anonymize.ErrInvalid)
}

// grouped answers GROUP BY questions.
func (e *evaluation) grouped() error {
	return fmt.Errorf("GROUP BY is not answered yet: %w", anonymize.ErrInvalid)
}
