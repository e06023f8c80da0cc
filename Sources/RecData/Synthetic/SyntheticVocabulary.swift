// MARK: - Word lists

/// The words synthetic item titles are built from.
enum SyntheticVocabulary {
    /// One product category per item cluster: (category attribute, noun used in titles).
    static let categories: [(category: String, noun: String)] = [
        ("Skin Care", "Serum"), ("Makeup", "Lipstick"), ("Hair Care", "Shampoo"), ("Footwear", "Sneakers"),
        ("Audio", "Headphones"), ("Bags", "Backpack"), ("Kitchen", "Teapot"), ("Books", "Novel"),
        ("Home", "Candle"), ("Appliances", "Blender"), ("Outerwear", "Jacket"), ("Games", "Puzzle"),
        ("Garden", "Planter"), ("Fitness", "Dumbbell"), ("Stationery", "Notebook"), ("Toys", "Robot"),
    ]

    /// Brand-like tokens; each cluster draws its own few.
    static let brands = [
        "Lumora", "Vexa", "Norvik", "Azelle", "Brindle", "Cobalto", "Dunmore", "Elvora", "Fjordan", "Galvio",
        "Hestia", "Istra", "Jorvik", "Kelmar", "Lunette", "Marisol", "Nordel", "Orvana", "Pellucid", "Quenta",
        "Rivello", "Solenne", "Tamsin", "Ulvara", "Velour", "Wrenley", "Xyla", "Yarrow", "Zephra", "Aldane",
        "Belcour", "Caspian", "Delmont", "Everly", "Faraway", "Glimmer", "Harbor", "Ivory", "Juniper", "Kestrel",
        "Larkspur", "Meridian", "Nimbus", "Oakhurst",
    ]

    /// Adjectives; any item may use any of them.
    static let adjectives = [
        "Velvet", "Classic", "Compact", "Deluxe", "Gentle", "Bold", "Organic", "Vintage", "Matte", "Glossy",
        "Travel", "Premium", "Everyday", "Silky", "Rugged", "Bright", "Cozy", "Sleek", "Natural", "Radiant",
        "Ultra", "Mini", "Lightweight", "Hydrating",
    ]
}
