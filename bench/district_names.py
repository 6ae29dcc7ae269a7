"""Name lists for the synthetic district generator.

The lists were written by hand for this project and mix many origins, so a
generated roster looks like a real, diverse district. Some entries carry
accents, apostrophes, hyphens or spaces on purpose: readers must keep them
intact and username folding must handle them.
"""

FEMALE_GIVEN_NAMES = """
Abigail Adaeze Aditi Agnieszka Aiko Aisha Alejandra Alessia Alice Amara Amelia
Ana Anaïs Ananya Anastasia Angelica Anika Aoife Astrid Aurora Ayesha Ayla
Beatriz Bianca Brianna Brooklyn Camila Carmen Catalina Charlotte Chiamaka
Chloé Claire Daniela Daria Deepika Delfina Destiny Dilnoza Divya Elena Eliana
Elif Elin Ella Emma Esperanza Evelyn Ewa Faith Fatima Fernanda Freya Gabriela
Grace Greta Guadalupe Gulnara Hana Hannah Harper Hope Hye-jin Ilse Imani
Ingeborg Ingrid Isabel Ishita Isla Itzel Jada Jasmine Jia Jimena Joy Juliana
Kaia Kalani Katarzyna Kavya Kayla Keisha Khadija Kiara Lakshmi Leilani Lena
Leyla Liesel Linnea Lucía Luna Mahsa Mai Makayla Malia Małgorzata Maren
Margaret Margit Maya Meera Mei Mette Mía Mila Nadia Nandini Naomi Nasrin
Natalia Nia Nina Noor Ngọc_Anh Oksana Olena Olivia Paloma Parisa Priya Rania
Renée Rosa Ruth Saanvi Sakura Salma Samira Sara Savannah Seo-yeon Shanice
Shirin Sigrid Simone Siobhán Sofía Solveig Sophie Svetlana Tamar Tatiana
Thandiwe Thu_Trang Tiana Valentina Valeria Vanessa Wanjiru Ximena Yara Yasmin
Yuki Zainab Zara Zoë Zuzanna Akosua Abena Efua Nokuthula Palesa Lerato Ama
Bethany Caroline Danielle Eleanor Elizabeth Felicity Gwendolyn Heather Jocelyn Kathleen
Lorraine Madeline Natasha Penelope Rebecca Stephanie Theresa Vivian Whitney
Xiomara Yolanda Inés Begoña Araceli Mariana Guillermina Soledad Pilar Hyun-ah
Ji-woo Min-seo Yerin Haruka Emi Rin Aoi Chen_Yu Xin Ling Yan Hui Fang
""".split()

MALE_GIVEN_NAMES = """
Aarav Abdullah Adebayo Adrián Ahmed Aidan Alejandro Aleksandr Ali Amir Anders
Andrés Andriy Anh Anton Arash Arjun Arturo Ayodele Bảo Benjamin Bilal Björn
Bogdan Brandon Brody Burak Caleb Carlos Carter Chen Chidi Chinedu Christopher
Colton Connor Cormac Darius Dariush David Declan Deshawn Diego Dmitri Duc
Elias Elijah Emeka Emil Emilio Emre Enzo Eoin Ethan Farid Felipe Felix Finn
François Gabriel Grayson Gustavo Hamza Hao Haruto Henrik Henry Hiroshi Hugo
Hunter Huy Ibrahim Ignacio Iñaki Isaac Ismael Ivan Jabari Jackson Jakob Jamal
James Javier Jens Jesús Ji-ho Jin Joaquín Jomo Jonah Jonas Jorge José Juan
Julián Jun Kai Kamal Kelechi Kenji Kerem Khoa Kian Kofi Kwame Landon Lars Leon
Liam Long Luca Lucas Luis Lukas Łukasz Magnus Malik Marco Mateo Matías
Matthias Maximilian Mehmet Miguel Mikkel Min-jun Minh Mohammed Musa Navid
Nikolai Nils Noah Olusegun Oluwaseun Omar Oscar Oskar Owen Pablo Pádraig Pedro
Phúc Piotr Quang Rafael Rahul Ravi Reza Rohan Ronan Samuel Santiago Seamus
Sebastián Seo-jun Sergei Siddharth Sipho Søren Stefan Sven Takumi Taras
Tariq Tendai Thabo Theo Tobias Tomás Tuan Tunde Tyrone Vikram Viktor William
Wyatt Xavier Yaroslav Yosef Yusuf Zaid Adrian Bernard Clarence Desmond Everett
Francisco Franklin Gordon Harold Ignatius Jerome Kenneth Leonard Marcus Nathaniel Patrick
Raymond Russell Terrence Vincent Walter Kwabena Yaw Kojo Mandla Themba Tariku
Dawit Yohannes Haile Ricardo Rodrigo Esteban Lorenzo Mauricio Guillermo Ramón
Jae-won Dong-hyun Sung-min Ren Sota Yuto Wen Bo Zhi Lei
""".split()

FAMILY_NAMES = """
Nguyễn Trần Lê Phạm Hoàng Vũ Đặng Bùi García Rodríguez Martínez Hernández
López González Pérez Sánchez Ramírez Torres Flores Rivera Gómez Díaz Reyes
Morales Cruz Ortiz Gutiérrez Chávez Ramos Ruiz Álvarez Mendoza Castillo
Jiménez Vásquez Romero Herrera Medina Aguilar Vargas Castro Guzmán Fernández
Núñez Peña Domínguez Ibáñez Soto Delgado Ríos Salazar Navarro Contreras
Espinoza Fuentes Cabrera Campos Vega Cortés Gonçalves Oliveira Santos Ferreira
Costa Carvalho Pereira Almeida Rocha Smith Johnson Williams Brown Jones Miller
Davis Wilson Anderson Taylor Thomas Moore Jackson Martin Thompson White Harris
Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams
Baker Nelson Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards
Collins Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Bailey Reed
Kelly Howard Ward Richardson Watson Brooks Wood Bennett Gray Hughes Price
Sanders Foster Powell Jenkins Russell Sullivan Coleman Butler Henderson Barnes
Fisher Graham Hayes Washington Bryant Ellis Stevens Tucker Porter Crawford
Boyd Mason Warren Dixon Burns Gordon Shaw Holmes Palmer Grant Knight Ferguson
Stone Hawkins Dunn Hudson Spencer Gardner Payne Pierce Berry Matthews Arnold
O'Brien O'Connor McCarthy Fitzgerald Kowalski Nowak Wiśniewski Wójcik
Kamiński Lewandowski Dvořák Novák Horváth Nagy Kovács Szabó Müller Schmidt
Schneider Fischer Weber Becker Hoffmann Schäfer Koch Richter Klein Wolf
Schröder Neumann Zimmermann Krüger Jensen Nielsen Hansen Pedersen Andersen
Christensen Larsen Sørensen Rasmussen Johansson Karlsson Nilsson Eriksson
Lindqvist Berg Haugen Ødegaard Virtanen Korhonen Mäkinen Ivanov Petrov
Smirnov Kuznetsov Popov Volkov Sokolov Shevchenko Kovalenko Bondarenko Melnyk
Yılmaz Kaya Demir Çelik Şahin Öztürk Aydın Arslan Doğan Kim Park Choi Jung
Kang Cho Yoon Jang Lim Han Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu
Sun Ma Zhu Hu Guo Lin He Gao Luo Tanaka Suzuki Takahashi Watanabe Yamamoto
Nakamura Kobayashi Sato Ito Yamada Patel Shah Singh Kumar Sharma Gupta Reddy
Rao Iyer Nair Menon Desai Joshi Mehta Chatterjee Banerjee Das Khan Hussain
Ahmed Rahman Hassan Ali Haddad Khoury Mansour Nasser Saleh Farah Abdi Okafor
Okonkwo Adeyemi Oyelaran Mensah Boateng Owusu Asante Nkosi Dlamini Mokoena
Kamau Otieno Mwangi Diallo Traoré Diop Ndiaye Haile Tesfaye Bekele Cohen Levi
Friedman Katz Goldberg Rosen Rossi Russo Ferrari Esposito Bianchi Romano
Colombo Ricci Marino Greco Dubois Lefèvre Moreau Laurent Girard Rousseau
Mercier Dupont Fontaine Papadopoulos Georgiou Dimitriou Silva Mendes Kealoha
Kahananui Begay Yazzie Tsosie Benally Santiago De_la_Cruz Van_der_Berg
Smith-Ortega Al-Sayed Ben-David MacLeod Sandoval Quintero Villanueva Zamora
""".split()

# Vietnamese and Chinese given names of two words and family names with
# spaces are written with "_" in the lists above, so str.split keeps them whole.
FEMALE_GIVEN_NAMES = [name.replace("_", " ") for name in FEMALE_GIVEN_NAMES]
MALE_GIVEN_NAMES = [name.replace("_", " ") for name in MALE_GIVEN_NAMES]
FAMILY_NAMES = [name.replace("_", " ") for name in FAMILY_NAMES]

# Short forms used as preferredGivenName in 1.2 packages.
PREFERRED_NAMES = {
    "Alejandro": "Alex",
    "Aleksandr": "Sasha",
    "Benjamin": "Ben",
    "Christopher": "Chris",
    "Daniela": "Dani",
    "Elizabeth": "Liz",
    "Francisco": "Paco",
    "Gabriela": "Gabi",
    "Guadalupe": "Lupe",
    "Katarzyna": "Kasia",
    "Kathleen": "Kate",
    "Margaret": "Maggie",
    "Matthias": "Matt",
    "Maximilian": "Max",
    "Nathaniel": "Nate",
    "Nikolai": "Kolya",
    "Oluwaseun": "Seun",
    "Penelope": "Penny",
    "Rebecca": "Becca",
    "Samuel": "Sam",
    "Sebastián": "Seba",
    "Stephanie": "Steph",
    "Valentina": "Vale",
    "William": "Will",
}

# School names are built from a place word and a landform, then the level.
SCHOOL_PLACE_WORDS = """
Alder Aspen Birch Bluebird Cedar Chestnut Clearwater Cobalt Copper Cottonwood
Cypress Driftwood Eagle Elm Fernwood Foxglove Granite Hawthorn Heron Hickory
Holly Ironwood Juniper Kestrel Larkspur Laurel Linden Magnolia Maple Marigold
Mesa Osprey Pinecone Poplar Quail Redwood Sagebrush Sandpiper Silver Sparrow
Spruce Sunflower Sycamore Thistle Timber Walnut Willow Wren Yarrow Zephyr
""".split()

SCHOOL_LANDFORMS = """
Bay Bend Bluff Brook Canyon Creek Crossing Dale Falls Fields Glen Grove Harbor
Heights Hills Hollow Lake Landing Meadow Mill Park Point Prairie Ridge Run
Shores Springs Summit Trail Valley
""".split()

# The first school of each level gets one of these names, so the bundled
# example district has fixed, readable school names.
FIRST_SCHOOL_NAMES = {
    "elementary": "Alder Creek Elementary School",
    "middle": "Heron Bay Middle School",
    "high": "Lakeview Shores High School",
}

# Birth places of people born in the United States, as "city:state".
US_BIRTH_PLACES = """
Sacramento:CA Fresno:CA Oakland:CA Stockton:CA Modesto:CA San_Jose:CA
Los_Angeles:CA Portland:OR Eugene:OR Tacoma:WA Spokane:WA Boise:ID Reno:NV
Phoenix:AZ Tucson:AZ Denver:CO Houston:TX El_Paso:TX Chicago:IL Atlanta:GA
Miami:FL Albuquerque:NM Minneapolis:MN Detroit:MI Honolulu:HI Anchorage:AK
""".split()
US_BIRTH_PLACES = [tuple(place.replace("_", " ").split(":")) for place in US_BIRTH_PLACES]

# ISO 3166-1 alpha-2 codes for people born outside the United States.
OTHER_BIRTH_COUNTRIES = "MX VN PH IN CN SV GT KR UA NG ET SO AF BR PL DE".split()
