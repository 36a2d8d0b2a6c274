package eval

// langText is the text a template of one language draws from.
type langText struct {
	code    string
	charset string
	subject []string // subject phrases
	body    []string // body sentences; {name} {url} {num} are slots
	words   []string // words for random-word slots and hash busters
	names   []string // first names
}

var languages = []langText{
	{
		code: "en", charset: "us-ascii",
		subject: []string{"Best prices on", "Your order is ready", "Limited offer for you", "Lose weight fast",
			"Meet hot singles", "Your account needs verification", "Cheap meds online", "Replica watches",
			"Get rich from home", "You have won"},
		body: []string{"Dear {name}, we have a special offer just for you.", "Click here to claim your reward: {url}",
			"Only {num} items left in stock, order now.", "This is a one time opportunity that you should not miss.",
			"Our pharmacy ships worldwide with no prescription needed.", "To unsubscribe from this list visit {url}",
			"Thousands of customers already trust our service.", "Reply to this email with your full name and address.",
			"The offer expires in {num} hours.", "Your satisfaction is our first priority."},
		words: []string{"apple", "river", "stone", "cloud", "maple", "harbor", "violet", "copper", "lantern", "meadow",
			"falcon", "summit", "canyon", "willow", "ember", "glacier", "orchard", "prairie", "tundra", "beacon"},
		names: []string{"John", "Mary", "Robert", "Linda", "Michael", "Susan", "David", "Karen"},
	},
	{
		code: "pt", charset: "utf-8",
		subject: []string{"Promoção imperdível de", "Seu pedido foi aprovado", "Ganhe dinheiro em casa",
			"Oferta exclusiva para você", "Emagreça rápido com", "Sua conta será bloqueada", "Parabéns você ganhou"},
		body: []string{"Olá {name}, temos uma oferta especial para você.", "Clique aqui para receber o seu prêmio: {url}",
			"São apenas {num} unidades em estoque, não perca.", "Esta é uma oportunidade única que você não pode perder.",
			"Para não receber mais as nossas mensagens acesse {url}", "Milhares de clientes já confiam no nosso serviço.",
			"A oferta expira em {num} horas.", "Responda com o seu nome e o seu endereço."},
		words: []string{"casa", "praia", "sol", "flor", "mesa", "livro", "porta", "jardim", "cidade", "rio", "campo", "noite"},
		names: []string{"João", "Maria", "Pedro", "Ana", "Lucas", "Juliana", "Carlos", "Fernanda"},
	},
	{
		code: "es", charset: "utf-8",
		subject: []string{"Oferta especial de", "Su pedido está listo", "Gane dinero desde casa",
			"Descuento exclusivo para usted", "Pierda peso rápido con", "Su cuenta ha sido suspendida", "Felicidades usted ha ganado"},
		body: []string{"Hola {name}, tenemos una oferta especial para usted.", "Haga clic aquí para recibir su premio: {url}",
			"Solo quedan {num} unidades, no espere más.", "Esta es una oportunidad única que no puede perder.",
			"Para darse de baja de esta lista visite {url}", "Miles de clientes ya confían en nuestro servicio.",
			"La oferta termina en {num} horas.", "Responda con su nombre y su dirección."},
		words: []string{"casa", "playa", "sol", "flor", "mesa", "libro", "puerta", "jardín", "ciudad", "río", "campo", "noche"},
		names: []string{"José", "María", "Juan", "Carmen", "Luis", "Laura", "Javier", "Lucía"},
	},
	{
		code: "de", charset: "utf-8",
		subject: []string{"Sonderangebot für", "Ihre Bestellung ist bereit", "Geld verdienen von zu Hause",
			"Exklusiver Rabatt für Sie", "Schnell abnehmen mit", "Ihr Konto wurde gesperrt", "Herzlichen Glückwunsch Sie haben gewonnen"},
		body: []string{"Hallo {name}, wir haben ein besonderes Angebot für Sie.", "Klicken Sie hier und holen Sie sich Ihren Gewinn: {url}",
			"Nur noch {num} Stück auf Lager, bestellen Sie jetzt.", "Das ist eine einmalige Gelegenheit, die Sie nicht verpassen sollten.",
			"Um sich von der Liste abzumelden, besuchen Sie {url}", "Tausende Kunden vertrauen bereits auf unseren Service.",
			"Das Angebot endet in {num} Stunden.", "Antworten Sie mit Ihrem Namen und Ihrer Adresse."},
		words: []string{"haus", "strand", "sonne", "blume", "tisch", "buch", "tür", "garten", "stadt", "fluss", "feld", "nacht"},
		names: []string{"Hans", "Anna", "Peter", "Sabine", "Thomas", "Monika", "Stefan", "Julia"},
	},
	{
		code: "fr", charset: "utf-8",
		subject: []string{"Offre spéciale sur", "Votre commande est prête", "Gagnez de l'argent à la maison",
			"Réduction exclusive pour vous", "Perdez du poids avec", "Votre compte a été suspendu", "Félicitations vous avez gagné"},
		body: []string{"Bonjour {name}, nous avons une offre spéciale pour vous.", "Cliquez ici pour recevoir votre cadeau : {url}",
			"Il ne reste que {num} articles en stock, commandez maintenant.", "C'est une occasion unique que vous ne devez pas manquer.",
			"Pour ne plus recevoir nos messages, allez sur {url}", "Des milliers de clients nous font déjà confiance pour les livraisons.",
			"L'offre se termine dans {num} heures.", "Répondez avec votre nom et votre adresse."},
		words: []string{"maison", "plage", "soleil", "fleur", "table", "livre", "porte", "jardin", "ville", "fleuve", "champ", "nuit"},
		names: []string{"Pierre", "Marie", "Jean", "Sophie", "Nicolas", "Camille", "Julien", "Claire"},
	},
	{
		code: "it", charset: "utf-8",
		subject: []string{"Offerta speciale su", "Il tuo ordine è pronto", "Guadagna soldi da casa",
			"Sconto esclusivo per te", "Perdi peso con", "Il tuo conto è stato sospeso", "Complimenti hai vinto"},
		body: []string{"Ciao {name}, abbiamo una offerta speciale per te.", "Clicca qui per ricevere il tuo premio: {url}",
			"Sono rimasti solo {num} pezzi, ordina adesso.", "Questa è una occasione unica che non puoi perdere.",
			"Per non ricevere più le nostre email vai su {url}", "Migliaia di clienti si fidano già del nostro servizio.",
			"L'offerta scade tra {num} ore.", "Rispondi con il tuo nome e il tuo indirizzo."},
		words: []string{"casa", "spiaggia", "sole", "fiore", "tavolo", "libro", "porta", "giardino", "città", "fiume", "campo", "notte"},
		names: []string{"Marco", "Giulia", "Luca", "Francesca", "Andrea", "Chiara", "Matteo", "Sara"},
	},
	{
		code: "ru", charset: "utf-8",
		subject: []string{"Специальное предложение на", "Ваш заказ готов", "Заработок на дому",
			"Эксклюзивная скидка для вас", "Похудеть быстро с", "Ваш аккаунт заблокирован", "Поздравляем вы выиграли"},
		body: []string{"Здравствуйте {name}, у нас есть специальное предложение для вас.", "Нажмите здесь чтобы получить приз: {url}",
			"Осталось всего {num} штук на складе.", "Это уникальная возможность которую нельзя упустить.",
			"Чтобы отписаться от рассылки перейдите по ссылке {url}", "Тысячи клиентов уже доверяют нашему сервису.",
			"Предложение действует {num} часов.", "Ответьте на это письмо указав имя и адрес."},
		words: []string{"дом", "море", "солнце", "цветок", "стол", "книга", "дверь", "сад", "город", "река", "поле", "ночь"},
		names: []string{"Иван", "Мария", "Сергей", "Ольга", "Алексей", "Наталья", "Дмитрий", "Елена"},
	},
	{
		code: "zh", charset: "utf-8",
		subject: []string{"特价优惠", "您的订单已准备好", "在家赚钱", "专属折扣", "快速减肥", "您的账户已被冻结", "恭喜您中奖了"},
		body: []string{"{name}您好，我们为您准备了特别优惠。", "点击这里领取您的奖品：{url}", "库存仅剩{num}件，欢迎抢购。",
			"这是一个不容错过的机会。", "如需退订请访问{url}", "成千上万的客户已经信任我们的服务。", "优惠将在{num}小时后结束。",
			"请回复您的姓名和地址。"},
		words: []string{"房子", "海滩", "太阳", "花朵", "桌子", "书本", "大门", "花园", "城市", "河流", "田野", "夜晚"},
		names: []string{"王伟", "李娜", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强"},
	},
	{
		code: "ja", charset: "utf-8",
		subject: []string{"特別セールのお知らせ", "ご注文の準備ができました", "自宅でお金を稼ぐ", "あなただけの割引",
			"すぐに痩せる方法", "アカウントが停止されました", "おめでとうございます当選しました"},
		body: []string{"{name}様、特別なご案内がございます。", "こちらをクリックして賞品を受け取ってください：{url}",
			"在庫は残り{num}個です。", "これは見逃せないチャンスです。", "配信停止はこちらから{url}",
			"多くのお客様にご利用いただいています。", "このキャンペーンは{num}時間で終了します。", "お名前とご住所をご返信ください。"},
		words: []string{"さくら", "やま", "うみ", "そら", "はな", "かぜ", "つき", "ほし", "みず", "もり", "かわ", "ゆき"},
		names: []string{"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村"},
	},
}
