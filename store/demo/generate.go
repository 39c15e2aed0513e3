package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"portal"
)

// Generated citizens are deterministic: citizen i is always the same person with the same data, whatever
// the number asked for, because each draws from its own generator seeded with (genSeed, i). Growing the demo
// from 1 000 to 100 000 citizens adds people and changes none.
const genSeed = 0x5eed_a2e0_2026

// person is a citizen with a login and registry data in every scope.
type person struct {
	fin, name, password string
	data                map[portal.Scope]map[string]any
}

// FINs of generated citizens come from a pseudo-random permutation of all 36^7 seven-character FINs, so they
// look random yet are unique without a lookup: GeneratedFIN(i) is a bijection of i.

const finSpace = 78_364_164_096 // 36^7

// reservedFINs are the FINs of the named accounts; a generated citizen never gets one.
var reservedFINs = []string{AdminFIN, AyselFIN, RashadFIN, LeylaFIN}

// GeneratedFIN returns the FIN of generated citizen i (0 ≤ i < MaxCitizens): benchmarks and tests can pick
// citizens that exist without reading the database.
func GeneratedFIN(i int) string { return encodeFIN(finCode(i)) }

// finCode is generated citizen i's FIN as a number below 36^7; the order of codes is the order of FINs.
func finCode(i int) uint64 {
	x := permuteFIN(uint64(i))
	if j := slices.Index(reservedFINs, encodeFIN(x)); j >= 0 {
		// The permutation's last images are never used by an index below MaxCitizens: take one of those.
		x = permuteFIN(finSpace - 1 - uint64(j))
	}
	return x
}

func encodeFIN(x uint64) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b [7]byte
	for k := 6; k >= 0; k-- {
		b[k] = alphabet[x%36]
		x /= 36
	}
	return string(b[:])
}

// permuteFIN is a bijection of [0, finSpace): a 4-round Feistel network over 38 bits, walked until it lands
// inside the range (cycle walking keeps it a bijection).
func permuteFIN(x uint64) uint64 {
	for {
		x = feistel38(x)
		if x < finSpace {
			return x
		}
	}
}

func feistel38(x uint64) uint64 {
	const half, mask = 19, 1<<19 - 1
	l, r := x>>half, x&mask
	for round := range uint64(4) {
		l, r = r, l^(mix64(r^(genSeed+round*0x9e3779b97f4a7c15))&mask)
	}
	return l<<half | r
}

// mix64 is SplitMix64's finalizer.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

var maleNames = []string{
	"Rəşad", "Elçin", "Orxan", "Tural", "Kamran", "Vüqar", "Ramil", "Elvin", "Fərid", "Anar",
	"Rauf", "Səbuhi", "Nicat", "Emin", "Ceyhun", "Rüfət", "Samir", "Elnur", "Zaur", "Məhəmməd",
	"Əli", "Hüseyn", "Murad", "Tofiq", "Namiq", "Mübariz", "İlqar", "Cavid", "Nurlan", "Rövşən",
	"Seymur", "Kənan", "Şahin", "Vüsal", "Fuad", "Elşən", "Ayxan", "Toğrul", "Ülvi", "Yusif",
}

var femaleNames = []string{
	"Aysel", "Leyla", "Günay", "Nigar", "Aynur", "Sevinc", "Gülnar", "Nərmin", "Səbinə", "Lalə",
	"Aytən", "Könül", "Türkan", "Fidan", "Ülviyyə", "Nuranə", "Aygün", "Zərifə", "Şəbnəm", "Xədicə",
	"Fatimə", "Zəhra", "Mələk", "Nurlana", "Səadət", "Kəmalə", "Esmira", "Rəna", "Gülşən", "Vüsalə",
	"Ləman", "Arzu", "Cəmilə", "Sevil", "Tamilla", "Ülkər", "Aidə", "İlahə", "Nərgiz", "Zümrüd",
}

// surnames are stems: "-ov"/"-yev" stems take "a" for women; "-li" and "-zadə" forms are the same for both.
var surnames = []string{
	"Məmmədov", "Əliyev", "Həsənov", "Hüseynov", "Quliyev", "İsmayılov", "Abbasov", "Rzayev", "Cəfərov", "Nəsirov",
	"Bayramov", "Kərimov", "Süleymanov", "Orucov", "Mustafayev", "Babayev", "Qasımov", "Sadıqov", "Zeynalov", "Musayev",
	"Əhmədov", "Vəliyev", "İbrahimov", "Rəhimov", "Nəbiyev", "Hacıyev", "Məlikov", "Axundov", "Novruzov", "Səfərov",
	"Paşayev", "Ağayev", "Əsgərov", "Mirzəyev", "Hüseynli", "Həsənli", "Talıblı", "Cavadlı", "Əlizadə", "Rəsulzadə",
}

func surname(stem string, female bool) string {
	if female && (strings.HasSuffix(stem, "ov") || strings.HasSuffix(stem, "yev") || strings.HasSuffix(stem, "ev")) {
		return stem + "a"
	}
	return stem
}

// translit spells an Azerbaijani name in ASCII the way e-mail addresses commonly do.
var translit = strings.NewReplacer(
	"ə", "e", "Ə", "E", "ı", "i", "İ", "I", "ö", "o", "Ö", "O", "ü", "u", "Ü", "U",
	"ğ", "g", "Ğ", "G", "ç", "c", "Ç", "C", "ş", "s", "Ş", "S",
)

func emailOf(first, last string, r *rand.Rand) string {
	local := strings.ToLower(translit.Replace(first) + "." + translit.Replace(last))
	if r.IntN(2) == 0 {
		local += fmt.Sprint(r.IntN(90) + 10)
	}
	domains := []string{"mail.example", "poct.example", "inbox.example"}
	return local + "@" + domains[r.IntN(len(domains))]
}

func mobile(r *rand.Rand) string {
	prefixes := []string{"50", "51", "55", "70", "77", "99", "10"}
	return fmt.Sprintf("+994 %s %03d %02d %02d", prefixes[r.IntN(len(prefixes))], r.IntN(900)+100, r.IntN(100), r.IntN(100))
}

// city is where a citizen is registered: its districts, their streets, and its vehicle plate codes.
type city struct {
	name      string
	weight    int
	districts []district
	plates    []string
}

type district struct {
	name    string
	streets []string
}

var cities = []city{
	{"Bakı", 70, []district{
		{"Nəsimi", []string{"Füzuli küçəsi", "Səməd Vurğun küçəsi", "Rəşid Behbudov küçəsi", "Azadlıq prospekti", "Şəmsi Bədəlbəyli küçəsi"}},
		{"Yasamal", []string{"Şərifzadə küçəsi", "Həsən bəy Zərdabi prospekti", "Mətbuat prospekti", "Hüseyn Cavid prospekti", "İnşaatçılar prospekti"}},
		{"Nərimanov", []string{"Atatürk prospekti", "Təbriz küçəsi", "Fətəli xan Xoyski küçəsi", "Əliyar Əliyev küçəsi"}},
		{"Xətai", []string{"Xocalı prospekti", "Babək prospekti", "Nobel prospekti", "Məhsəti küçəsi", "Əhməd Cavad küçəsi"}},
		{"Binəqədi", []string{"Əliağa Vahid küçəsi", "Binəqədi şossesi", "Cəlil Məmmədquluzadə küçəsi", "9-cu mikrorayon, Qara Qarayev küçəsi"}},
		{"Səbail", []string{"Neftçilər prospekti", "İstiqlaliyyət küçəsi", "Üzeyir Hacıbəyov küçəsi", "Bülbül prospekti"}},
		{"Nizami", []string{"Qara Qarayev prospekti", "Mehdi Abbasov küçəsi", "Yusif Səfərov küçəsi"}},
		{"Xəzər", []string{"Mərdəkan qəsəbəsi, Sergey Yesenin küçəsi", "Şüvəlan qəsəbəsi, Abşeron küçəsi"}},
	}, []string{"10", "77", "90", "99"}},
	{"Sumqayıt", 15, []district{
		{"3-cü mikrorayon", []string{"Sülh küçəsi", "Nizami küçəsi"}},
		{"9-cu mikrorayon", []string{"Səməd Vurğun küçəsi", "Azadlıq küçəsi"}},
		{"12-ci mikrorayon", []string{"Cəlil Məmmədquluzadə küçəsi", "Məmməd Əmin Rəsulzadə küçəsi"}},
		{"Corat qəsəbəsi", []string{"Dəniz küçəsi", "Bağlar küçəsi"}},
	}, []string{"50"}},
	{"Gəncə", 15, []district{
		{"Kəpəz", []string{"Atatürk prospekti", "Cavadxan küçəsi", "Şah İsmayıl Xətai prospekti"}},
		{"Nizami", []string{"Nizami Gəncəvi küçəsi", "Əttarlar küçəsi", "Mirzə Şəfi Vazeh küçəsi"}},
	}, []string{"20"}},
}

func pickCity(r *rand.Rand) city {
	total := 0
	for _, c := range cities {
		total += c.weight
	}
	n := r.IntN(total)
	for _, c := range cities {
		if n < c.weight {
			return c
		}
		n -= c.weight
	}
	return cities[0]
}

// employer is an organisation citizens work for: the demo companies and invented others.
type employer struct {
	name, voen string
	positions  []string
	base       int // typical monthly salary, AZN
}

var employers = []employer{
	{"Qafqaz Mühəndislik MMC", EmployerVOEN, []string{"Layihə mühəndisi", "Baş mühəndis", "Smeta mütəxəssisi", "Texniki nəzarətçi"}, 1900},
	{"Xəzər İnvest Bank ASC", BankVOEN, []string{"Kredit mütəxəssisi", "Müştəri xidmətləri meneceri", "Risk analitiki", "Kassir"}, 1700},
	{"Şirvan Telekom MMC", TelecomVOEN, []string{"Şəbəkə mühəndisi", "Satış meneceri", "Çağrı mərkəzi operatoru"}, 1400},
	{"Sağlam Həyat Klinikası MMC", "1600917432", []string{"Ailə həkimi", "Tibb bacısı", "Laborant", "Qeydiyyatçı"}, 1300},
	{"Abşeron Texnologiya Universiteti", "1800263749", []string{"Baş müəllim", "Dosent", "Tədris hissəsi metodisti"}, 1250},
	{"Abşeron Logistika MMC", "1401835627", []string{"Anbar meneceri", "Sürücü-ekspeditor", "Logistika mütəxəssisi"}, 1100},
	{"Kür İnşaat ASC", "1302947158", []string{"İnşaat mühəndisi", "Usta", "Təchizat meneceri"}, 1300},
	{"Bakı Proqram Həlləri MMC", "1503762914", []string{"Proqramçı", "Sistem administratoru", "Məhsul meneceri", "Test mühəndisi"}, 2600},
	{"Gəncə Tekstil MMC", "2000419386", []string{"Tikiş ustası", "Texnoloq", "Mühasib"}, 750},
	{"Sumqayıt Polimer Zavodu MMC", "2100573294", []string{"Operator", "Kimyaçı-laborant", "Növbə rəisi"}, 1150},
	{"Şahdağ Turizm MMC", "1702846531", []string{"Otel administratoru", "Turizm meneceri", "Aşpaz"}, 950},
	{"Qarabağ Aqro MMC", "1803957264", []string{"Aqronom", "Baytar", "Mühasib"}, 900},
	{"Xəzər Dəniz Xidmətləri MMC", "1904628173", []string{"Dənizçi", "Gəmi mexaniki", "Dispetçer"}, 1600},
	{"Nəsimi Apteklər Şəbəkəsi MMC", "1205738461", []string{"Əczaçı", "Satıcı-məsləhətçi"}, 800},
	{"Bakı şəhəri 132 nömrəli tam orta məktəb", "1006384527", []string{"İbtidai sinif müəllimi", "Riyaziyyat müəllimi", "Direktor müavini"}, 700},
	{"Abşeron Hüquq Bürosu MMC", "1607492835", []string{"Hüquqşünas", "Vəkil köməkçisi"}, 1500},
	{"Nur Kommunal Xidmətlər MMC", "1900548216", []string{"Sayğac nəzarətçisi", "Abunəçi xidməti operatoru", "Qaz ustası"}, 900},
	{"Araz Lizinq MMC", "1200637815", []string{"Lizinq meneceri", "Maliyyə analitiki"}, 1450},
}

// degreeSource is a university or college and the fields it teaches.
type degreeSource struct {
	name   string
	fields []string
}

var universities = []degreeSource{
	{"Bakı Dövlət Universiteti", []string{"Hüquqşünaslıq", "Beynəlxalq münasibətlər", "Filologiya", "Riyaziyyat", "Kimya", "Jurnalistika"}},
	{"ADA Universiteti", []string{"Kompüter elmləri", "Biznesin idarə edilməsi", "Beynəlxalq münasibətlər", "İqtisadiyyat"}},
	{"Azərbaycan Dövlət İqtisad Universiteti (UNEC)", []string{"İqtisadiyyat", "Maliyyə", "Mühasibat uçotu və audit", "Marketinq", "Biznesin idarə edilməsi"}},
	{"Azərbaycan Texniki Universiteti", []string{"İnformasiya texnologiyaları", "Elektrik mühəndisliyi", "Maşınqayırma mühəndisliyi", "Telekommunikasiya texnologiyaları"}},
	{"Azərbaycan Dövlət Neft və Sənaye Universiteti", []string{"Neft-qaz mühəndisliyi", "Kimya mühəndisliyi", "Geologiya", "Proseslərin avtomatlaşdırılması"}},
	{"Azərbaycan Tibb Universiteti", []string{"Müalicə işi", "Stomatologiya", "Əczaçılıq", "Pediatriya"}},
	{"Azərbaycan Dövlət Pedaqoji Universiteti", []string{"İbtidai təhsilin pedaqogikası", "Riyaziyyat müəllimliyi", "Tarix müəllimliyi", "Coğrafiya müəllimliyi"}},
	{"Azərbaycan Memarlıq və İnşaat Universiteti", []string{"Memarlıq", "İnşaat mühəndisliyi", "Dizayn"}},
	{"Xəzər Universiteti", []string{"Kompüter elmləri", "Tərcümə", "Psixologiya", "Biznesin idarə edilməsi"}},
	{"Gəncə Dövlət Universiteti", []string{"Riyaziyyat müəllimliyi", "Biologiya müəllimliyi", "Filologiya", "Tarix"}},
	{"Sumqayıt Dövlət Universiteti", []string{"Kimya mühəndisliyi", "Elektrik mühəndisliyi", "İqtisadiyyat"}},
	{"Azərbaycan Dillər Universiteti", []string{"Tərcümə", "Xarici dil müəllimliyi", "Regionşünaslıq"}},
}

// colleges give secondary vocational education ("orta ixtisas").
var colleges = []degreeSource{
	{"Bakı Dövlət Sosial-İqtisadi Kolleci", []string{"Mühasibat uçotu", "Bank işi", "Sosial iş"}},
	{"Sumqayıt Dövlət Texniki Kolleci", []string{"Elektrik avadanlığının istismarı", "Kompüter sistemləri"}},
	{"Gəncə Dövlət Regional Kolleci", []string{"Tibb bacısı işi", "İbtidai təhsil", "Turizm"}},
}

var vehicleModels = []struct {
	make, model string
	from, to    int
}{
	{"Toyota", "Prius", 2010, 2022}, {"Toyota", "Camry", 2012, 2024}, {"Toyota", "Corolla", 2008, 2023},
	{"Hyundai", "Elantra", 2011, 2024}, {"Hyundai", "Accent", 2008, 2020}, {"Kia", "Rio", 2010, 2023},
	{"Kia", "Sportage", 2014, 2025}, {"Chevrolet", "Cobalt", 2013, 2024}, {"Lada", "2107", 1995, 2012},
	{"Lada", "Priora", 2008, 2018}, {"Mercedes-Benz", "E 200", 2012, 2023}, {"Nissan", "Qashqai", 2012, 2024},
	{"Ford", "Fusion", 2012, 2019}, {"BYD", "Song Plus", 2022, 2025}, {"Volkswagen", "Passat", 2008, 2021},
}

const plateLetters = "ABCDEFGHJKLMNOPRSTUVXYZ"

func plate(r *rand.Rand, codes []string) string {
	return fmt.Sprintf("%s-%c%c-%03d", codes[r.IntN(len(codes))],
		plateLetters[r.IntN(len(plateLetters))], plateLetters[r.IntN(len(plateLetters))], r.IntN(999)+1)
}

func date(y, m, d int) string { return fmt.Sprintf("%04d-%02d-%02d", y, m, d) }

// randDate draws a date in the years fromYear..toYear (just toYear when fromYear is later).
func randDate(r *rand.Rand, fromYear, toYear int) (int, int, int) {
	fromYear = min(fromYear, toYear)
	return fromYear + r.IntN(toYear-fromYear+1), 1 + r.IntN(12), 1 + r.IntN(28)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// salaries is a monthly_salaries list: base pay with small variations and a year-end bonus in December.
func salaries(months []string, base float64, r *rand.Rand) []map[string]any {
	out := make([]map[string]any, len(months))
	for i, m := range months {
		amount := base * (1 + (r.Float64()-0.5)*0.04)
		if strings.HasSuffix(m, "-12") {
			amount += base * 0.5
		}
		out[i] = map[string]any{"month": m, "amount_azn": round2(amount)}
	}
	return out
}

func addressLine(c, d, street, building, apt string) string {
	s := fmt.Sprintf("%s, %s, %s %s", c, d, street, building)
	if apt != "" {
		s += ", mənzil " + apt
	}
	return s
}

func districtLabel(d string) string {
	if strings.Contains(d, "mikrorayon") || strings.Contains(d, "qəsəbəsi") {
		return d
	}
	return d + " rayonu"
}

// generate makes generated citizen i; months are the 12 income months, oldest first.
func generate(i int, months []string) person {
	r := rand.New(rand.NewPCG(genSeed, uint64(i)))
	female := r.IntN(2) == 0
	var first, patronymic string
	father := maleNames[r.IntN(len(maleNames))]
	if female {
		first, patronymic = femaleNames[r.IntN(len(femaleNames))], father+" qızı"
	} else {
		first, patronymic = maleNames[r.IntN(len(maleNames))], father+" oğlu"
	}
	last := surname(surnames[r.IntN(len(surnames))], female)
	sex := "kişi"
	if female {
		sex = "qadın"
	}
	fin := GeneratedFIN(i)
	by, bm, bd := randDate(r, 1956, 2005)

	// ID card: the "AA" cards of ASAN xidmət since 2019, older "AZE" cards of the ministry, ten years valid.
	from := max(by+16, 2017)
	iy := from + r.IntN(2025-from+1)
	im, id := 1+r.IntN(12), 1+r.IntN(28)
	doc := map[string]any{"issue_date": date(iy, im, id), "expiry_date": date(iy+10, im, id)}
	if iy < 2019 {
		doc["series"], doc["number"], doc["issued_by"] = "AZE", fmt.Sprintf("%08d", r.IntN(100_000_000)), "Azərbaycan Respublikası Daxili İşlər Nazirliyi"
	} else {
		doc["series"], doc["number"] = "AA", fmt.Sprintf("%07d", r.IntN(10_000_000))
		doc["issued_by"] = fmt.Sprintf("ASAN xidmət №%d", 1+r.IntN(6))
	}

	c := pickCity(r)
	d := c.districts[r.IntN(len(c.districts))]
	street := d.streets[r.IntN(len(d.streets))]
	building := fmt.Sprint(1 + r.IntN(180))
	if r.IntN(6) == 0 {
		building += string("ABV"[r.IntN(3)])
	}
	apt := ""
	if r.IntN(5) != 0 { // most live in flats; the rest in houses
		apt = fmt.Sprint(1 + r.IntN(120))
	}
	ry, rm, rd := randDate(r, max(by+18, 1995), 2025)

	emp := employers[r.IntN(len(employers))]
	sy, sm, sd := randDate(r, max(by+20, 1990), 2025)
	base := float64(emp.base) * (0.6 + r.Float64()*0.9)

	degrees := []map[string]any{}
	degree := func(list []degreeSource, level string, year int) {
		src := list[r.IntN(len(list))]
		degrees = append(degrees, map[string]any{"institution": src.name, "field": src.fields[r.IntN(len(src.fields))], "level": level, "year": year})
	}
	switch k := r.IntN(20); {
	case k < 3: // secondary school only: no degree
	case k < 5:
		degree(colleges, "orta ixtisas", by+20)
	default:
		degree(universities, "bakalavr", by+22)
		if k >= 14 && by+24 <= 2025 {
			degree(universities, "magistr", by+24)
		}
		if k == 19 && by+28 <= 2025 {
			degree(universities, "doktorantura", by+28)
		}
	}

	vehicles := []map[string]any{}
	for range []int{0, 0, 0, 1, 1, 1, 1, 1, 2, 2}[r.IntN(10)] {
		v := vehicleModels[r.IntN(len(vehicleModels))]
		vehicles = append(vehicles, map[string]any{"plate": plate(r, c.plates), "make": v.make, "model": v.model, "year": v.from + r.IntN(v.to-v.from+1)})
	}

	properties := []map[string]any{}
	if r.IntN(5) < 3 {
		area := 45 + r.Float64()*110
		if apt == "" {
			area = 120 + r.Float64()*250
		}
		properties = append(properties, map[string]any{
			"registry_number": registryNumber(r),
			"address":         addressLine(c.name, districtLabel(d.name), street, building, apt),
			"area_m2":         math.Round(area*10) / 10,
		})
		if r.IntN(8) == 0 { // a summer house on Abşeron
			properties = append(properties, map[string]any{
				"registry_number": registryNumber(r),
				"address":         fmt.Sprintf("Bakı, Xəzər rayonu, Buzovna qəsəbəsi, Bağ massivi %d", 1+r.IntN(400)),
				"area_m2":         math.Round((300+r.Float64()*700)*10) / 10,
			})
		}
	}

	benefits := []map[string]any{}
	switch {
	case by <= 1960: // of pension age
		benefits = append(benefits, map[string]any{"kind": "Yaşa görə əmək pensiyası", "monthly_amount_azn": round2(330 + r.Float64()*420), "since": date(by+65, bm, bd)})
	case r.IntN(12) == 0 && by >= 1985:
		benefits = append(benefits, map[string]any{"kind": "Uşağa görə aylıq müavinət", "monthly_amount_azn": 75.0, "since": date(2023+r.IntN(3), 1+r.IntN(12), 1)})
	case r.IntN(30) == 0:
		benefits = append(benefits, map[string]any{"kind": "Əlilliyə görə sosial müavinət", "monthly_amount_azn": round2(170 + r.Float64()*80), "since": date(2015+r.IntN(11), 1+r.IntN(12), 1)})
	case r.IntN(40) == 0:
		benefits = append(benefits, map[string]any{"kind": "Ünvanlı dövlət sosial yardımı", "monthly_amount_azn": round2(250 + r.Float64()*150), "since": date(2022+r.IntN(4), 1+r.IntN(12), 1)})
	}

	return person{
		fin:  fin,
		name: first + " " + last,
		data: map[portal.Scope]map[string]any{
			portal.ScopeIdentity: {"fin": fin, "first_name": first, "last_name": last, "patronymic": patronymic,
				"birth_date": date(by, bm, bd), "sex": sex},
			portal.ScopeIDDocument: doc,
			portal.ScopeAddress: {"city": c.name, "district": d.name, "street": street, "building": building,
				"apartment": apt, "registered_on": date(ry, rm, rd)},
			portal.ScopeContact: {"mobile": mobile(r), "email": emailOf(first, last, r)},
			portal.ScopeEmployment: {"employer": emp.name, "employer_voen": emp.voen,
				"position": emp.positions[r.IntN(len(emp.positions))], "start_date": date(sy, sm, sd)},
			portal.ScopeIncome:    {"monthly_salaries": salaries(months, base, r)},
			portal.ScopeEducation: {"degrees": degrees},
			portal.ScopeVehicles:  {"vehicles": vehicles},
			portal.ScopeProperty:  {"properties": properties},
			portal.ScopeSocial:    {"benefits": benefits},
		},
	}
}

// registryNumber is a real-estate registry number: region code, year of registration, serial.
func registryNumber(r *rand.Rand) string {
	return fmt.Sprintf("%03d-%04d-%06d", 100+r.IntN(80), 2005+r.IntN(21), r.IntN(1_000_000))
}
