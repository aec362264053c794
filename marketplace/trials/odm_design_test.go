package trials

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

func readStudyODM(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/cdisc_odm132_study.xml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The hand-written ODM 1.3.2 study reads into its events, forms and typed
// items: protocol order, FormRef order, units by symbol, Hard range checks
// as inclusive bounds (GT/LT on integers moved by one, Soft ones left
// out), required only where item and group are mandatory, code lists as
// choices.
func TestParseODMDesign_readsAHandWrittenODM132Study(t *testing.T) {
	d, err := ParseODMDesign(strings.NewReader(readStudyODM(t)))
	if err != nil {
		t.Fatal(err)
	}
	want := marketplace.StudyDesign{
		OID: "MDV.HTN-ASA.2", Name: "HTN-ASA: low-dose aspirin in treated hypertension",
		Events: []marketplace.EventDef{
			{OID: "SE.SCREENING", Name: "Screening", Forms: []string{"F.DM", "F.VS"}},
			{OID: "SE.BASELINE", Name: "Baseline", Forms: []string{"F.VS"}},
			{OID: "SE.WEEK4", Name: "Week 4", Forms: []string{"F.VS", "F.AE"}},
		},
		Forms: []marketplace.FormDef{
			{OID: "F.DM", Name: "Demographics", Items: []marketplace.ItemDef{
				{OID: "DM.AGE", Label: "Age at screening", Type: marketplace.ItemInteger, Unit: "years", Min: ptr("18"), Max: ptr("99"), Required: true},
				{OID: "DM.SEX", Label: "Sex", Type: marketplace.ItemChoice, Required: true,
					Choices: []marketplace.Choice{{Code: "F", Label: "Female"}, {Code: "M", Label: "Male"}}},
			}},
			{OID: "F.VS", Name: "Vital Signs", Items: []marketplace.ItemDef{
				{OID: "VS.SYSBP", Label: "Systolic blood pressure", Type: marketplace.ItemInteger, Unit: "mmHg", Min: ptr("60"), Max: ptr("250"), Required: true},
				{OID: "VS.DIABP", Label: "Diastolic blood pressure", Type: marketplace.ItemInteger, Unit: "mmHg", Min: ptr("31"), Max: ptr("149"), Required: true},
				{OID: "VS.TEMP", Label: "Body temperature", Type: marketplace.ItemDecimal, Unit: "°C", Min: ptr("30"), Max: ptr("43.5")},
				{OID: "VS.COMMENT", Label: "Comment on the measurement", Type: marketplace.ItemText, Length: 200},
			}},
			{OID: "F.AE", Name: "Adverse Event", Step: marketplace.StepAdverseEvent, Items: []marketplace.ItemDef{
				{OID: "AE.TERM", Label: "Adverse event, as reported", Type: marketplace.ItemText, Length: 100, Required: true},
				{OID: "AE.STDAT", Label: "Start date", Type: marketplace.ItemDate, Required: true},
				{OID: "AE.SEV", Label: "Severity", Type: marketplace.ItemChoice, Required: true,
					Choices: []marketplace.Choice{{Code: "1", Label: "Mild"}, {Code: "2", Label: "Moderate"}, {Code: "3", Label: "Severe"}}},
				{OID: "AE.SER", Label: "Serious?", Type: marketplace.ItemBoolean, Required: true},
				{OID: "AE.ACN", Label: "Action taken", Type: marketplace.ItemChoice,
					Choices: []marketplace.Choice{{Code: "NONE", Label: "NONE"}, {Code: "INTERRUPTED", Label: "INTERRUPTED"}, {Code: "WITHDRAWN", Label: "WITHDRAWN"}}},
			}},
		},
	}
	got, _ := json.MarshalIndent(d, "", " ")
	exp, _ := json.MarshalIndent(want, "", " ")
	if string(got) != string(exp) {
		t.Errorf("design:\n%s\nwant:\n%s", got, exp)
	}
	// The bounds are the ones FormDef.Check applies.
	vs, _ := d.Form("F.VS")
	if _, errs := vs.Check(map[string]string{"VS.SYSBP": "400", "VS.DIABP": "30", "VS.TEMP": "39.2"}); errs.For("VS.SYSBP") != "400 mmHg is above the maximum 250 mmHg" ||
		errs.For("VS.DIABP") != "30 mmHg is below the minimum 31 mmHg" || errs.For("VS.TEMP") != "" {
		t.Errorf("checks: %v", errs)
	}
}

// What cannot be mapped faithfully is refused, naming the element; a
// design that Validate refuses is refused with its error.
func TestParseODMDesign_refusesWhatItCannotKeep(t *testing.T) {
	src := readStudyODM(t)
	for _, tt := range []struct {
		name, from, to, want string
	}{
		{"GT on a float", `<RangeCheck Comparator="GE" SoftHard="Hard"><CheckValue>30.0</CheckValue>`, `<RangeCheck Comparator="GT" SoftHard="Hard"><CheckValue>30.0</CheckValue>`,
			"ODM/Study[1]/MetaDataVersion[1]/ItemDef[@OID=VS.TEMP]/RangeCheck[1]: GT on a float item cannot be kept"},
		{"NE", `<RangeCheck Comparator="LE" SoftHard="Hard"><CheckValue>250`, `<RangeCheck Comparator="NE" SoftHard="Hard"><CheckValue>250`,
			`ItemDef[@OID=VS.SYSBP]/RangeCheck[2]/@Comparator: "NE" is not supported`},
		{"hard check on text", `<Question><TranslatedText xml:lang="en">Adverse event, as reported</TranslatedText></Question>`,
			`<RangeCheck Comparator="NE" SoftHard="Hard"><CheckValue>x</CheckValue></RangeCheck>`, "ItemDef[@OID=AE.TERM]/RangeCheck[1]: a Hard range check on a text item"},
		{"unknown unit", `MeasurementUnitOID="MU.MMHG"/>
        <RangeCheck Comparator="GE"`, `MeasurementUnitOID="MU.KPA"/>
        <RangeCheck Comparator="GE"`, `ItemDef[@OID=VS.SYSBP]/MeasurementUnitRef: MeasurementUnitOID "MU.KPA" has no MeasurementUnit`},
		{"binary type", `DataType="date" SASFieldName="AESTDAT"`, `DataType="base64Binary"`, `ItemDef[@OID=AE.STDAT]/@DataType: "base64Binary" is not a supported DataType`},
		{"missing item", `<ItemRef ItemOID="AE.ACN"`, `<ItemRef ItemOID="AE.OUT"`, "ItemGroupDef[@OID=IG.AE]/ItemRef[@ItemOID=AE.OUT]: no ItemDef AE.OUT"},
		{"missing code list", `<CodeListRef CodeListOID="CL.SEX"/>`, `<CodeListRef CodeListOID="CL.GENDER"/>`, `CodeListOID "CL.GENDER" has no CodeList`},
		{"include", `<Protocol>`, `<Include StudyOID="ST.HTN-ASA" MetaDataVersionOID="MDV.HTN-ASA.1"/><Protocol>`, "MetaDataVersion[1]/Include: definitions included"},
		{"validate", `<StudyEventDef OID="SE.BASELINE" Name="Baseline" Repeating="No" Type="Scheduled">
        <FormRef FormOID="F.VS"`, `<StudyEventDef OID="SE.BASELINE" Name="Baseline" Repeating="No" Type="Scheduled">
        <FormRef FormOID="F.LAB"`, "Event SE.BASELINE: form F.LAB is not defined."},
		{"XML error", `<ItemData ItemOID="DM.AGE" Value="47"/>`, `<ItemData ItemOID="DM.AGE" Value="47">`,
			"XML error at line"},
		{"no metadata", `<MetaDataVersion OID`, `<MetaDataVersionX OID`, "ODM"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := strings.Replace(src, tt.from, tt.to, 1)
			if s == src {
				t.Fatalf("%q not in the file", tt.from)
			}
			if tt.name == "no metadata" {
				s = strings.Replace(s, `</MetaDataVersion>`, `</MetaDataVersionX>`, 1)
			}
			_, err := ParseODMDesign(strings.NewReader(s))
			if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want EINVALID with %q", err, tt.want)
			}
		})
	}
}

// The last MetaDataVersion of the first Study is the design.
func TestParseODMDesign_takesTheLastMetaDataVersion(t *testing.T) {
	src := `<ODM ODMVersion="1.3.2"><Study OID="S"><GlobalVariables><StudyName>S</StudyName></GlobalVariables>
<MetaDataVersion OID="V1" Name="one"><FormDef OID="F.A" Name="A"><ItemGroupRef ItemGroupOID="G" Mandatory="Yes"/></FormDef>
<ItemGroupDef OID="G" Name="G"><ItemRef ItemOID="I.OLD" Mandatory="Yes"/></ItemGroupDef><ItemDef OID="I.OLD" Name="old" DataType="text"/></MetaDataVersion>
<MetaDataVersion OID="V2" Name="two"><FormDef OID="F.A" Name="A"><ItemGroupRef ItemGroupOID="G" Mandatory="Yes"/></FormDef>
<ItemGroupDef OID="G" Name="G"><ItemRef ItemOID="I.NEW" Mandatory="Yes"/></ItemGroupDef><ItemDef OID="I.NEW" Name="new" DataType="float"/></MetaDataVersion>
</Study></ODM>`
	d, err := ParseODMDesign(strings.NewReader(src))
	if err != nil || d.OID != "V2" || len(d.Forms) != 1 || d.Forms[0].Items[0].OID != "I.NEW" || d.Forms[0].Items[0].Type != marketplace.ItemDecimal ||
		d.Forms[0].Items[0].Label != "new" || !d.Forms[0].Items[0].Required {
		t.Errorf("design %+v, %v", d, err)
	}
}
