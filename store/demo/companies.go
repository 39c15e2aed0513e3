package demo

import "portal"

// demoCompany is a company of the demo with its offers.
type demoCompany struct {
	in     portal.CompanyInput
	offers []portal.Offer
}

// Laws named by the demo offers whose legal basis is a law.
const (
	lawAML          = "Cinayət yolu ilə əldə edilmiş əmlakın leqallaşdırılmasına və terrorçuluğun maliyyələşdirilməsinə qarşı mübarizə haqqında Qanun"
	lawInsurance    = "İcbari sığortalar haqqında Qanun"
	lawTelecom      = "Telekommunikasiya haqqında Qanun"
	lawLabour       = "Azərbaycan Respublikasının Əmək Məcəlləsi"
	lawEducation    = "Təhsil haqqında Qanun"
	lawGas          = "Qaz təchizatı haqqında Qanun"
	lawCreditBureau = "Kredit bürolarının fəaliyyəti haqqında Qanun"
)

func offer(sc portal.Scope, purpose string, basis portal.LegalBasis, law string, days int, f portal.Frequency) portal.Offer {
	return portal.Offer{Scope: sc, Purpose: purpose, LegalBasis: basis, LawName: law, RetentionDays: days, Frequency: f}
}

// demoCompanies are invented organisations, one or more per sector: the names are plausible but belong to
// no real company, and the websites and e-mails use the reserved .example top-level domain.
func demoCompanies() []demoCompany {
	const (
		consent  = portal.BasisConsent
		contract = portal.BasisContract
		law      = portal.BasisLaw
		once     = portal.FrequencyOneOff
		again    = portal.FrequencyRecurring
	)
	return []demoCompany{
		{
			in: portal.CompanyInput{
				Name: "Xəzər İnvest Bank", VOEN: BankVOEN, Sector: "bank",
				Description: "Fiziki şəxslərə istehlak və ipoteka kreditləri, əmanətlər və ödəniş kartları təklif edən universal bank.",
				Website:     "https://xezerinvest.example", ContactEmail: "dpo@xezerinvest.example",
			},
			offers: []portal.Offer{
				offer(portal.ScopeIdentity, "Hesab açılarkən və kredit verilərkən müştərinin şəxsiyyətinin müəyyənləşdirilməsi", law, lawAML, 1825, once),
				offer(portal.ScopeIDDocument, "Müştərinin şəxsiyyət vəsiqəsinin etibarlılığının yoxlanılması", law, lawAML, 1825, once),
				offer(portal.ScopeAddress, "Kredit müqaviləsi üzrə qeydiyyat ünvanının təsdiqi və hesab çıxarışlarının göndərilməsi", contract, "", 1825, once),
				offer(portal.ScopeEmployment, "Kredit ərizəsində göstərilən iş yerinin və vəzifənin təsdiqi", consent, "", 365, once),
				offer(portal.ScopeIncome, "Kreditin ödənilməsi qabiliyyətinin qiymətləndirilməsi üçün son 12 ayın əmək haqqı", law, lawCreditBureau, 365, once),
			},
		},
		{
			in: portal.CompanyInput{
				Name: "Odlar Sığorta", VOEN: InsuranceVOEN, Sector: "insurance",
				Description: "Avtomobil, daşınmaz əmlak və səyahət sığortası üzrə ixtisaslaşmış sığorta şirkəti.",
				Website:     "https://odlarsigorta.example", ContactEmail: "melumat@odlarsigorta.example",
			},
			offers: []portal.Offer{
				offer(portal.ScopeIdentity, "Sığorta müqaviləsinin bağlanması üçün sığortalının müəyyənləşdirilməsi", contract, "", 1095, once),
				offer(portal.ScopeContact, "Sığorta müddətinin bitməsi barədə xatırlatmaların göndərilməsi", consent, "", 365, again),
				offer(portal.ScopeVehicles, "Avtonəqliyyat vasitəsi sahiblərinin mülki məsuliyyətinin icbari sığortası üçün nəqliyyat vasitəsinin məlumatları", law, lawInsurance, 1095, again),
				offer(portal.ScopeProperty, "Daşınmaz əmlakın icbari sığortası üçün əmlakın reyestr məlumatları", law, lawInsurance, 1095, again),
			},
		},
		{
			in: portal.CompanyInput{
				Name: "Şirvan Telekom", VOEN: TelecomVOEN, Sector: "telecom",
				Description: "Mobil rabitə, ev interneti və IPTV xidmətləri göstərən operator.",
				Website:     "https://sirvantelekom.example", ContactEmail: "abune@sirvantelekom.example",
			},
			offers: []portal.Offer{
				offer(portal.ScopeIdentity, "Mobil nömrənin abunəçinin adına qeydiyyatı", law, lawTelecom, 1825, once),
				offer(portal.ScopeIDDocument, "SIM-kartın qeydiyyatı üçün şəxsiyyət vəsiqəsinin məlumatları", law, lawTelecom, 1825, once),
				offer(portal.ScopeAddress, "Ev internetinin quraşdırılacağı ünvanın təsdiqi", contract, "", 730, once),
				offer(portal.ScopeContact, "Tarif dəyişiklikləri və xidmət bildirişləri üçün əlaqə məlumatları", consent, "", 730, again),
			},
		},
		{
			in: portal.CompanyInput{
				Name: "Qafqaz Mühəndislik MMC", VOEN: EmployerVOEN, Sector: "employer",
				Description: "Sənaye və yaşayış obyektlərinin layihələndirilməsi və tikintisinə nəzarət ilə məşğul olan mühəndislik şirkəti.",
				Website:     "https://qafqazmuhendislik.example", ContactEmail: "kadrlar@qafqazmuhendislik.example",
			},
			offers: []portal.Offer{
				offer(portal.ScopeIdentity, "İşə qəbul zamanı namizədin şəxsiyyətinin təsdiqi", contract, "", 3650, once),
				offer(portal.ScopeEmployment, "Namizədin əvvəlki iş yerinin və vəzifəsinin təsdiqi", consent, "", 180, once),
				offer(portal.ScopeEducation, "Namizədin təhsilinin vakansiyanın tələblərinə uyğunluğunun yoxlanılması", consent, "", 180, once),
				offer(portal.ScopeSocial, "Əmək müqaviləsi üzrə güzəştlərin (əlavə məzuniyyət, qısaldılmış iş vaxtı) müəyyənləşdirilməsi", law, lawLabour, 3650, once),
			},
		},
		{
			in: portal.CompanyInput{
				Name: "Abşeron Texnologiya Universiteti", VOEN: "1800263749", Sector: "education",
				Description: "İnformasiya texnologiyaları, mühəndislik və biznes üzrə bakalavr və magistr proqramları olan özəl universitet.",
				Website:     "https://abseron-tu.example", ContactEmail: "qebul@abseron-tu.example",
			},
			offers: []portal.Offer{
				offer(portal.ScopeIdentity, "Tələbə qəbulu və təhsil müqaviləsinin bağlanması", contract, "", 3650, once),
				offer(portal.ScopeContact, "Qəbul nəticələri və dərs cədvəli barədə bildirişlər", consent, "", 1460, again),
				offer(portal.ScopeEducation, "Magistraturaya qəbul üçün bakalavr dərəcəsinin təsdiqi", law, lawEducation, 3650, once),
				offer(portal.ScopeSocial, "Təhsil haqqından güzəşt üçün sosial müavinət hüququnun yoxlanılması", consent, "", 365, again),
			},
		},
		{
			in: portal.CompanyInput{
				Name: "Sağlam Həyat Klinikası", VOEN: "1600917432", Sector: "health",
				Description: "Ailə həkimi, diaqnostika və laboratoriya xidmətləri göstərən çoxprofilli klinika.",
				Website:     "https://saglamheyat.example", ContactEmail: "qeydiyyat@saglamheyat.example",
			},
			offers: []portal.Offer{
				offer(portal.ScopeIdentity, "Pasiyentin qeydiyyatı və tibbi kartın açılması", contract, "", 1825, once),
				offer(portal.ScopeContact, "Həkim qəbulu və analiz nəticələri barədə SMS xatırlatmaları", consent, "", 365, again),
				offer(portal.ScopeSocial, "Pensiyaçı və əlilliyi olan pasiyentlərə endirimin tətbiqi", consent, "", 365, again),
			},
		},
		{
			in: portal.CompanyInput{
				Name: "Nur Kommunal Xidmətlər", VOEN: "1900548216", Sector: "utility",
				Description: "Yaşayış binalarına qaz və su təchizatı, sayğacların quraşdırılması və xidməti.",
				Website:     "https://nurkommunal.example", ContactEmail: "abunechi@nurkommunal.example",
			},
			offers: []portal.Offer{
				offer(portal.ScopeIdentity, "Abunəçi müqaviləsinin bağlanması", contract, "", 1825, once),
				offer(portal.ScopeAddress, "Sayğacın quraşdırıldığı ünvanın abunəçiyə aid olmasının təsdiqi", contract, "", 1825, once),
				offer(portal.ScopeContact, "Borc və planlı kəsintilər barədə bildirişlər", consent, "", 730, again),
				offer(portal.ScopeProperty, "Qaz təchizatına qoşulma üçün mülkiyyət hüququnun təsdiqi", law, lawGas, 1825, once),
			},
		},
		{
			in: portal.CompanyInput{
				Name: "Araz Lizinq", VOEN: "1200637815", Sector: "other",
				Description: "Fiziki şəxslərə avtomobil və məişət texnikası lizinqi.",
				Website:     "https://arazlizinq.example", ContactEmail: "info@arazlizinq.example",
			},
			offers: []portal.Offer{
				offer(portal.ScopeIdentity, "Lizinq müqaviləsinin bağlanması üçün müştərinin müəyyənləşdirilməsi", contract, "", 1825, once),
				offer(portal.ScopeIncome, "Lizinq ödənişlərinin müştərinin gəlirinə uyğunluğunun qiymətləndirilməsi", consent, "", 365, once),
				offer(portal.ScopeVehicles, "Lizinqə verilən nəqliyyat vasitəsinin qeydiyyat məlumatlarının yoxlanılması", consent, "", 1095, again),
			},
		},
	}
}
