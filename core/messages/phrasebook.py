"""The template generator's phrasings: several per slot and tone, filled only from facts.

A phrasing names facts in brackets ([product], [discount], [praise]...; see templates.SLOTS) and may
keep merge tags ({{first_name}}, {{product_url}}) for the e-mail or SMS tool. A phrasing is used
only when every fact it names exists, so nothing is said that the data does not back. Mid-sentence
capitals come only from facts (names the checker can verify). Pools under "*" serve every tone.
"""

from __future__ import annotations

Pool = dict[str, tuple[str, ...]]

SUBJECT: Pool = {
    "friendly": (
        "{{first_name}}, [discount] off [product]",
        "[discount] off [category] for your [phrase]",
        "A little something for your [phrase]",
        "{{first_name}}, we picked [product] for you",
        "Your next [category] favourite: [product]",
        "Loved for its [praise]: [product]",
        "[brand] for your [phrase]",
    ),
    "premium": (
        "[product], chosen for you",
        "The [praise] reviewers rave about",
        "Introducing [product]",
        "Crafted for your [phrase]",
        "[brand]: an exclusive [discount] for you",
        "Rated [rating] stars: [product]",
        "Quality you can feel: [product]",
    ),
    "urgent": (
        "[discount] off [product] ends [ends]",
        "Last chance: [discount] off until [ends]",
        "Don't miss [product] at [price]",
        "{{first_name}}, your [discount] is waiting",
        "Worth a look today: [product]",
        "Until [ends]: [category] from [price_from]",
        "Still thinking about [product]?",
    ),
    "playful": (
        "Psst, {{first_name}}: [discount] off [product]",
        "Your [phrase] just got better",
        "Say hello to [product]",
        "Guess what? [discount] off [category]",
        "Meet your new [category] sidekick",
        "[product] is calling your name",
        "Treat yourself, {{first_name}}",
    ),
    "*": (
        "Picked for you, {{first_name}}",
        "[category] picks for you",
        "New from [brand]",
        "A pick for you from [brand]",
    ),
}

PREHEADER: Pool = {
    "*": (
        "The perfect match for [favourite].",
        "Love [favourite]? You'll like this too.",
        "Reviewers love the [praise], and so will you.",
        "Rated [rating] stars by [reviews] reviewers.",
        "[buyers] shoppers like you already own it.",
        "Now [price] with [discount] off.",
        "From [price_from], picked for your [phrase].",
        "With [feature] and [feature2].",
        "Made with [feature], loved for its [praise].",
        "Hand-picked [category] for your [phrase].",
    ),
}

HEADLINE: Pool = {
    "friendly": (
        "Made for your [phrase]",
        "We think you'll love [product]",
        "[category] picks, just for you",
        "Say hello to better [praise]",
        "Something new from [brand]",
        "For your [phrase], with love",
    ),
    "premium": (
        "[product]: made to impress",
        "The [praise] you deserve",
        "Discover [brand]",
        "Exceptional [category] for your [phrase]",
        "The [brand] difference",
        "[category], refined",
    ),
    "urgent": (
        "[discount] off until [ends]",
        "Get [product] today",
        "Your [category] deal ends [ends]",
        "Don't wait on your [phrase] upgrade",
        "[product]: don't miss it",
        "[category] picks you'll want today",
    ),
    "playful": (
        "Your [phrase] called: it wants [product]",
        "Hello, gorgeous [praise]",
        "Ready, set, [category]!",
        "Small treat, big [praise]",
        "Meet your new favourite [category]",
        "Guess who's here? [product]",
    ),
    "*": (
        "Picked for you",
        "[category], chosen for you",
        "From [brand], for you",
    ),
}

GREETING: Pool = {
    "friendly": (
        "Hi {{first_name}},",
        "Hello {{first_name}},",
        "Hey {{first_name}},",
        "Hi there {{first_name}},",
        "Good to see you, {{first_name}}.",
    ),
    "premium": (
        "Dear {{first_name}},",
        "Good day {{first_name}},",
        "Hello {{first_name}},",
        "{{first_name}}, welcome back.",
        "Greetings {{first_name}},",
    ),
    "urgent": (
        "{{first_name}}, quick one:",
        "Hi {{first_name}},",
        "{{first_name}}, heads up:",
        "Quick note, {{first_name}}:",
        "{{first_name}}, don't miss this:",
    ),
    "playful": (
        "Hey there {{first_name}}!",
        "Hi {{first_name}} :)",
        "Well hello {{first_name}},",
        "Yoohoo {{first_name}}!",
        "Guess what, {{first_name}}?",
    ),
}

HOOK: Pool = {
    "friendly": (
        "We picked [product] with your [phrase] in mind.",
        "Something new for your [phrase]: [product].",
        "If your [phrase] needs a lift, [product] could be it.",
        "Shoppers who love [category] keep coming back to [product].",
        "Your [phrase] could use [product], we think.",
        "Fans of [category] are loving [product].",
    ),
    "premium": (
        "[product] by [brand] is made for those who expect more.",
        "For your [phrase], only the best will do: [product].",
        "Meet [product], made to last.",
        "Discover [product], chosen for discerning [category] shoppers.",
        "[product] brings [brand] quality to your [phrase].",
        "Few [category] pieces match [product].",
    ),
    "urgent": (
        "[buyers] shoppers like you already bought [product].",
        "Your [phrase] deserves [product], and now is the moment.",
        "Now is a good time to try [product].",
        "[product] is rated [rating] stars by reviewers.",
        "Don't wait to try [product].",
        "Why wait? [product] is ready for you.",
    ),
    "playful": (
        "Plot twist: your [phrase] is about to get an upgrade.",
        "[product] walked in and your [phrase] will never be the same.",
        "Your [phrase] plus [product]? A perfect match.",
        "We found your [phrase]'s new best friend: [product].",
        "Warning: [product] may cause extreme happiness.",
        "Your [category] shelf is missing [product].",
    ),
}

EVIDENCE: Pool = {
    "*": (
        "It pairs nicely with [favourite], a favourite with shoppers like you.",
        "Shoppers who love [favourite] are picking it up too.",
        "A natural partner for your [favourite].",
        "Reviewers keep praising the [praise] and the [praise2].",
        "Reviewers single out the [praise].",
        'One reviewer put it simply: "[quote]"',
        'In the words of a reviewer: "[quote]"',
        "It is rated [rating] stars across [reviews] reviews.",
        "[buyers] shoppers with the same taste already bought it.",
        "It comes with [feature] and [feature2].",
        "Expect [feature], and the [praise] reviewers talk about.",
    ),
}

OFFER_DISCOUNT: Pool = {
    "friendly": (
        "Take [discount] off: it is now [price].",
        "Enjoy [discount] off, just for you.",
        "Here is [discount] off to say thanks.",
        "A [discount] saving is yours this week.",
        "Use it for [discount] off.",
        "With [discount] off, it is now [price].",
    ),
    "premium": (
        "As a valued customer, enjoy [discount] off.",
        "An exclusive [discount] off is yours.",
        "Yours for [price], with [discount] off.",
        "A courtesy [discount] off is reserved for you.",
        "Enjoy it now for [price], [discount] off.",
        "Take [discount] off, with our compliments.",
    ),
    "urgent": (
        "Save [discount] before [ends].",
        "Get [discount] off today.",
        "It is [price] with [discount] off until [ends].",
        "Use your [discount] off before [ends].",
        "Save [discount] now.",
        "[discount] off until [ends].",
    ),
    "playful": (
        "And because we like you: [discount] off.",
        "Bonus: [discount] off. You're welcome.",
        "Now [price]. Yes, [discount] off!",
        "Psst: [discount] off, just between us.",
        "Oh, and [discount] off. Surprise!",
        "Did we mention [discount] off?",
    ),
}

OFFER_PLAIN: Pool = {
    "friendly": (
        "It is yours for [price].",
        "Prices start at [price_from].",
        "Have a look when you have a moment.",
        "Take your time and have a browse.",
        "We'd love to know what you think.",
        "Your next favourite could be here.",
    ),
    "premium": (
        "Available now for [price].",
        "Explore the collection, from [price_from].",
        "It is waiting for you.",
        "Take a moment to explore it.",
        "Each piece is selected with care.",
        "We think it will suit you.",
    ),
    "urgent": (
        "Get it today for [price].",
        "Prices from [price_from], ready when you are.",
        "Don't wait too long.",
        "Treat yourself today.",
        "Don't leave it too late.",
        "Now is the time.",
    ),
    "playful": (
        "All yours for [price].",
        "Starting at just [price_from].",
        "Go on, take a peek.",
        "Go on, have a look.",
        "You know you want to.",
        "Clicking is free, we checked.",
    ),
}

CLOSE: Pool = {
    "friendly": (
        "Happy shopping!",
        "Enjoy!",
        "See you soon.",
        "Talk soon.",
        "Thanks for being with us.",
        "Until next time.",
    ),
    "premium": (
        "With our compliments.",
        "Warm regards.",
        "We hope you enjoy it.",
        "With gratitude.",
        "Yours, with care.",
        "Until next time.",
    ),
    "urgent": (
        "Don't miss out.",
        "Be quick!",
        "Grab yours today.",
        "Quick, go take a look!",
        "Act fast.",
        "Catch it today.",
    ),
    "playful": (
        "Go on, you deserve it.",
        "Treat yourself!",
        "Have fun!",
        "Happy unboxing!",
        "Cheers!",
        "Catch you later!",
    ),
}

CTA: Pool = {
    "friendly": ("Take a look", "See [product]", "Shop [category]", "Find yours"),
    "premium": ("Discover more", "Explore [brand]", "View the collection", "See the details"),
    "urgent": ("Claim [discount] off", "Shop the offer", "Get yours now", "Grab the deal"),
    "playful": ("Let's go!", "Show me!", "Treat me", "Take me there"),
}

SMS: Pool = {
    "friendly": (
        "[brand]: [discount] off [product] for your [phrase].",
        "Hi {{first_name}}, [product] is now [price] with [discount] off.",
        "Hi {{first_name}}, picked for your [phrase]: [product].",
        "[product]: reviewers praise the [praise].",
        "Hi {{first_name}}, new [category] picks from [price_from].",
        "[brand]: new [category] picks, just for you.",
        "Hi {{first_name}}, [product] could be your next favourite.",
        "[brand]: made for your [phrase]. Take a look.",
        "Hi {{first_name}}, enjoy [discount] off [category] this week.",
        "[brand]: [discount] off for your [phrase], just for you.",
        "Hi {{first_name}}, here's [discount] off [product].",
        "[brand]: take [discount] off your next [category] pick.",
    ),
    "premium": (
        "[brand]: [product], chosen for you.",
        "{{first_name}}, an exclusive [discount] off [product] awaits.",
        "[brand]: [product], rated [rating] stars.",
        "{{first_name}}, discover [category] for your [phrase].",
        "[brand]: the [praise] reviewers praise, in [product].",
        "[brand]: introducing [product].",
        "{{first_name}}, [product] is ready for you.",
        "[brand]: [category], chosen with care for you.",
        "[brand]: enjoy [discount] off [category], with our compliments.",
        "{{first_name}}, [product] with an exclusive [discount] off.",
        "[brand]: your [discount] off our [category] selection.",
        "{{first_name}}, [discount] off, reserved for you.",
    ),
    "urgent": (
        "{{first_name}}, [category] picks for your [phrase], until [ends].",
        "[brand]: [category] from [price_from], until [ends].",
        "{{first_name}}, see [product] before [ends].",
        "[brand]: [discount] off [category] until [ends].",
        "{{first_name}}, your [discount] off is yours until [ends].",
        "[brand]: [category] picks for your [phrase]. Don't wait!",
        "{{first_name}}, your [phrase] needs [product]. Grab it today!",
        "[brand]: rated [rating] stars. Get [product] today.",
        "{{first_name}}, [buyers] shoppers like you got [product]. Your turn!",
        "{{first_name}}, take [discount] off [product] now.",
        "[brand]: your [discount] off [category] is here. Be quick!",
        "{{first_name}}, [discount] off your next [category] pick. Don't wait!",
        "[brand]: [discount] off today. Grab yours!",
        "{{first_name}}, [product] is [price] with [discount] off.",
        "[brand]: [discount] off [product] ends [ends].",
        "{{first_name}}, [product] at [price] until [ends].",
        "[brand]: [category] from [price_from]. Don't miss it.",
        "{{first_name}}, [discount] off for your [phrase]. Be quick!",
        "[brand]: [product] is waiting for you.",
        "{{first_name}}, [product] is worth a look today.",
        "[brand]: [product], until [ends].",
        "{{first_name}}, don't miss [product].",
        "{{first_name}}, [discount] off [category] ends [ends].",
        "[brand]: save [discount] on [product] today.",
        "{{first_name}}, grab [discount] off today.",
        "[brand]: [discount] off for your [phrase]. Ends [ends].",
    ),
    "playful": (
        "Psst {{first_name}}! [discount] off [product].",
        "{{first_name}}, your [phrase] wants [product].",
        "[brand]: [product] says hi! Now [price].",
        "Hey {{first_name}}, [category] treats from [price_from].",
        "[brand]: treat your [phrase] to [product].",
        "Psst {{first_name}}, [product] is here!",
        "[brand]: meet your new [category] crush.",
        "{{first_name}}, your [phrase] called. It wants [brand].",
        "{{first_name}}, [discount] off? Yes please!",
        "[brand]: [discount] off [category]. You're welcome!",
        "Guess what {{first_name}}? [discount] off [product].",
        "[brand]: your [phrase] deserves [discount] off.",
    ),
}
SMS_LINK = ("Shop: {{product_url}}", "{{product_url}}", "See it: {{product_url}}")

PUSH_TITLE: Pool = {
    "friendly": ("Picked for you: [product]", "For your [phrase]", "[discount] off [category]", "New in [category]"),
    "premium": (
        "Introducing [product]",
        "[brand], chosen for you",
        "Your exclusive [discount]",
        "Rated [rating] stars",
        "[brand] picks for you",
        "Made for your [phrase]",
        "Something new from [brand]",
        "Discover [brand]",
        "Exceptional [category]",
        "Chosen for your [phrase]",
    ),
    "urgent": ("[discount] off ends [ends]", "Today: [product]", "Worth a look today", "Don't miss [product]"),
    "playful": (
        "Psst... [discount] off!",
        "Surprise! [brand] is here",
        "Oh hey, [category] fans",
        "Your [phrase] called",
        "Treat time!",
        "Hello, [product]",
    ),
    "*": (
        "Picked for you",
        "New from [brand]",
    ),
}

PUSH_BODY: Pool = {
    "*": (
        "Take [discount] off [category] picked for your [phrase].",
        "[discount] off [product] today. Tap to take a look.",
        "Reviewers love the [praise]. Yours with [discount] off.",
        "[discount] off [brand], just for you. Tap to see more.",
        "Your [discount] off is waiting: [category] from [price_from].",
        "Loved [favourite]? Meet [product].",
        "[product] from [brand], picked for your [phrase].",
        "New [category] from [brand]. Tap to take a look.",
        "Reviewers single out the [praise]. Tap to see [product].",
        "Reviewers love the [praise]. Now [price].",
        "[product] with [discount] off, for your [phrase].",
        "Rated [rating] stars by [reviews] reviewers. Tap to see it.",
        "[buyers] shoppers like you bought it. Tap to take a look.",
        "[category] from [price_from], picked for your [phrase].",
        "With [feature]. Tap to see [product].",
        '"[quote]"',
        "Today: [brand] picks",
        "Until [ends]: [category]",
        "Still thinking it over?",
        "Knock knock: [brand]",
        "Treat your [phrase]",
        "Ooh, new [category]!",
    ),
}

AD_HEADLINE: Pool = {
    "friendly": (
        "Enjoy [discount] Off",
        "[discount] Off [brand]",
        "Take [discount] Off Today",
        "[category]: [discount] Off",
        "[discount] Off [category]",
        "[brand] [category]",
        "Shop [category] Picks",
        "[product]",
    ),
    "premium": (
        "An Exclusive [discount] Off",
        "[brand]: [discount] Off",
        "[discount] Off [category]",
        "Save [discount] on [brand]",
        "[product]",
        "Discover [brand]",
        "Premium [category]",
        "Rated [rating] Stars",
    ),
    "urgent": (
        "[discount] Off: Don't Miss It",
        "Save [discount] on [category]",
        "Hurry: [discount] Off [brand]",
        "[discount] Off Until [ends]",
        "Hurry: [category] Picks",
        "[brand] Sale Now On",
        "[category] Deals",
        "Save [discount] Today",
        "[product]",
    ),
    "playful": (
        "Psst: [discount] Off!",
        "Yay, [discount] Off [category]",
        "[discount] Off? Yes Please",
        "Treat Time: [discount] Off",
        "Treat Yourself",
        "[category] You'll Love",
        "Hello, [brand]",
        "[product]",
    ),
    "*": (
        "[brand] Picks",
        "Shop [category] Today",
    ),
}

AD_DESCRIPTION: Pool = {
    "*": (
        "Save [discount] on [brand] [category]. Reviewers love the [praise].",
        "[product], now [discount] off. Picked for your [phrase].",
        "[discount] off [category] from [price_from]. Shop [brand] today.",
        "[brand] [category], picked for your [phrase]. Take a look today.",
        "Discover [product] and more [category] from [brand].",
        "Shoppers love the [praise]. See [product] from [brand].",
        "Reviewers praise the [praise]. [product], now [price].",
        "[product] with [feature]. [discount] off until [ends].",
        "Rated [rating] stars by [reviews] reviewers. Shop [brand] today.",
        "[category] from [price_from], chosen for your [phrase].",
        "Loved for its [praise] and [praise2]. Discover [product].",
        "[discount] off [category] for your [phrase]. Shop today.",
        "Made for your [phrase]: [product] from [brand].",
        "[category] For You",
        "Meet [brand]",
        "Shop [brand]",
        "New In [category]",
        "[brand] [category]",
        "The [brand] Collection",
        "Exceptional [category]",
        "[category] By [brand]",
        "[brand] Picks Today",
        "Shop [brand] Today",
        "Don't Miss [brand]",
        "Shop [category] Today",
        "Your New [category] Crush",
        "Oh Hello, [category]",
        "Meet [brand]",
        "Fun [category] Finds",
    ),
}
