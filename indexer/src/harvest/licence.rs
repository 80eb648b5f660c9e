//! Which licence a repository's LICENSE or COPYING file holds, as an SPDX identifier. The
//! catalog shows and checks the licence a record declares; the harvest reads the one the
//! repository actually ships, so the two can be compared and the health score can credit a
//! recognised free licence. Recognition is deliberately conservative: an explicit
//! `SPDX-License-Identifier` line first, then phrases that only the full text (or the
//! standard notice) of one licence contains, after a normalisation that makes line wrapping,
//! case, quotes and comment markers irrelevant. Text that matches nothing known gives `None`
//! rather than a guess, because a wrong identifier is worse than an unknown one.

/// The identifiers this module can return, so that an `SPDX-License-Identifier` line naming
/// anything else is not trusted blindly (it may be a typo or an expression).
const KNOWN: &[&str] = &[
    "0BSD",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSD-4-Clause",
    "BSL-1.0",
    "CC0-1.0",
    "CECILL-2.0",
    "CECILL-2.1",
    "CECILL-B",
    "CECILL-C",
    "EUPL-1.1",
    "EUPL-1.2",
    "GPL-2.0",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "ISC",
    "LGPL-2.0",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "MIT",
    "MPL-2.0",
    "Unlicense",
    "Zlib",
];

/// Licence files are a few tens of kilobytes; reading further only costs time on files that
/// are not licences at all (a vendored archive renamed COPYING, say).
const MAX_SCAN_BYTES: usize = 1 << 20;

/// A licence recognised by phrases. All phrases are written already normalised (see
/// `normalise`); a test checks it, so a phrase cannot silently never match.
struct Rule {
    id: &'static str,
    /// Any of these places the licence; the earliest one found is where the licence starts,
    /// which decides between licences when a file holds (or quotes) several.
    anchors: &'static [&'static str],
    /// All of these must be present too.
    also: &'static [&'static str],
    /// None of these may be present: they belong to a close variant with another identifier.
    unless: &'static [&'static str],
}

const BSD_ANCHOR: &str = "redistribution and use in source and binary forms with or without modification are \
                          permitted provided that the following conditions are met";
const BSD_RETAIN: &str = "redistributions of source code must retain the above copyright notice";
const BSD_ENDORSE: &str = "to endorse or promote products derived from this software";
const BSD_ADVERTISING: &str = "all advertising materials mentioning features or use of this software must display";
const BSD_CLEAR_PATENTS: &str =
    "no express or implied licenses to any party s patent rights are granted by this license";

/// The full GNU texts are listed by their title and a preamble sentence. Their identifiers
/// are the plain, deprecated `GPL-3.0` style on purpose: the licence text alone does not say
/// whether the project chose "version 3 only" or "version 3 or any later version" (that is
/// said in a notice, which the appendix of the text only shows as an example), so `-only`
/// and `-or-later` would both be guesses. A real notice earlier in the file wins over these.
const RULES: &[Rule] = &[
    Rule {
        id: "AGPL-3.0",
        anchors: &[
            "gnu affero general public license version 3 19 november 2007",
            "the gnu affero general public license is a free copyleft license for software and other kinds of works",
        ],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "LGPL-3.0",
        anchors: &[
            "gnu lesser general public license version 3 29 june 2007",
            "this version of the gnu lesser general public license incorporates the terms and conditions of \
             version 3 of the gnu general public license",
        ],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "LGPL-2.1",
        anchors: &[
            "gnu lesser general public license version 2.1 february 1999",
            "this license the lesser general public license applies to some specially designated software packages",
        ],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "LGPL-2.0",
        anchors: &["gnu library general public license version 2 june 1991"],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "GPL-3.0",
        anchors: &[
            "gnu general public license version 3 29 june 2007",
            "the gnu general public license is a free copyleft license for software and other kinds of works",
        ],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "GPL-2.0",
        anchors: &[
            "gnu general public license version 2 june 1991",
            "by contrast the gnu general public license is intended to guarantee your freedom to share and change \
             free software",
        ],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "Apache-2.0",
        // The second anchor is the short header the licence's appendix recommends; projects
        // often ship only that, and it names the version unambiguously.
        anchors: &["apache license version 2.0 january 2004", "licensed under the apache license version 2.0"],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "MPL-2.0",
        // The second is Exhibit A, the notice the licence asks to put in files.
        anchors: &["mozilla public license version 2.0", "mozilla public license v 2.0"],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "EUPL-1.2",
        anchors: &[
            "european union public licence v 1.2",
            "licence publique de l union européenne v 1.2",
            "eupl the european union 2007 2016",
        ],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "EUPL-1.1",
        anchors: &[
            "european union public licence v 1.1",
            "licence publique de l union européenne v 1.1",
            "eupl the european community 2007",
        ],
        also: &[],
        unless: &[],
    },
    // The BSD family shares its first sentence; the clauses that follow tell them apart, so
    // the variants with more clauses come first (ties on the anchor go to the earlier rule).
    Rule {
        id: "BSD-4-Clause",
        anchors: &[BSD_ANCHOR],
        also: &[BSD_RETAIN, BSD_ENDORSE, BSD_ADVERTISING],
        unless: &[BSD_CLEAR_PATENTS],
    },
    Rule {
        id: "BSD-3-Clause",
        anchors: &[BSD_ANCHOR],
        also: &[BSD_RETAIN, BSD_ENDORSE],
        unless: &[BSD_ADVERTISING, BSD_CLEAR_PATENTS],
    },
    Rule {
        id: "BSD-2-Clause",
        anchors: &[BSD_ANCHOR],
        also: &[BSD_RETAIN],
        unless: &[BSD_ENDORSE, BSD_ADVERTISING, BSD_CLEAR_PATENTS],
    },
    Rule {
        id: "MIT",
        anchors: &["permission is hereby granted free of charge to any person obtaining a copy of this software and \
             associated documentation files"],
        // Without this condition the text is MIT-0, another licence.
        also: &["the above copyright notice and this permission notice shall be included in all copies or \
                 substantial portions of the software"],
        unless: &[],
    },
    Rule {
        id: "ISC",
        anchors: &[
            "permission to use copy modify and or distribute this software for any purpose with or without fee is \
             hereby granted provided that the above copyright notice and this permission notice appear in all copies",
            "permission to use copy modify and distribute this software for any purpose with or without fee is \
             hereby granted provided that the above copyright notice and this permission notice appear in all copies",
        ],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "0BSD",
        // ISC's grant with its only condition removed: the grant runs straight into the
        // disclaimer.
        anchors: &["permission to use copy modify and or distribute this software for any purpose with or without \
                    fee is hereby granted the software is provided as is"],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "Zlib",
        anchors: &["permission is granted to anyone to use this software for any purpose including commercial \
                    applications and to alter it and redistribute it freely subject to the following restrictions"],
        also: &["the origin of this software must not be misrepresented"],
        unless: &[],
    },
    Rule {
        id: "BSL-1.0",
        anchors: &[
            "boost software license version 1.0 august 17th 2003",
            "permission is hereby granted free of charge to any person or organization obtaining a copy of the \
             software and accompanying documentation covered by this license",
        ],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "Unlicense",
        anchors: &["this is free and unencumbered software released into the public domain"],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "CC0-1.0",
        anchors: &[
            "cc0 1.0 universal",
            "affirmer hereby overtly fully permanently irrevocably and unconditionally waives abandons and \
             surrenders all of affirmer s copyright and related rights",
        ],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "CECILL-B",
        anchors: &["contrat de licence de logiciel libre cecill b", "cecill b free software license agreement"],
        also: &[],
        unless: &[],
    },
    Rule {
        id: "CECILL-C",
        anchors: &["contrat de licence de logiciel libre cecill c", "cecill c free software license agreement"],
        also: &[],
        unless: &[],
    },
];

/// The plain CeCILL titles; the version line that follows decides the identifier (versions 1
/// and 2.0 are different licences from 2.1).
const CECILL_TITLES: &[&str] =
    &["contrat de licence de logiciel libre cecill", "cecill free software license agreement"];

/// The GNU licences as named in their notices, with the identifier stem for each version
/// the notice may give.
const GNU_NOTICES: &[(&str, &[(&str, &str)])] = &[
    ("gnu affero general public license", &[("3", "AGPL-3.0"), ("3.0", "AGPL-3.0")]),
    ("gnu lesser general public license", &[("2.1", "LGPL-2.1"), ("3", "LGPL-3.0"), ("3.0", "LGPL-3.0")]),
    ("gnu library general public license", &[("2", "LGPL-2.0"), ("2.0", "LGPL-2.0")]),
    ("gnu general public license", &[("2", "GPL-2.0"), ("2.0", "GPL-2.0"), ("3", "GPL-3.0"), ("3.0", "GPL-3.0")]),
];

const FSF_PUBLISHED: &[&str] = &["published", "by", "the", "free", "software", "foundation"];

/// How far after the licence's name a notice's version and "any later version" may be: the
/// standard notices need about fifteen words, and a tight window keeps a later, unrelated
/// sentence from being read as part of the notice.
const NOTICE_WINDOW_WORDS: usize = 24;
const LATER_WINDOW_WORDS: usize = 10;

/// The SPDX identifier of a licence file's text, when it can be told with confidence.
pub fn recognise(text: &str) -> Option<&'static str> {
    let text = prefix(text, MAX_SCAN_BYTES);
    if let Some(id) = declared(text) {
        return Some(id);
    }
    let hay = normalise(text);
    let mut best: Option<(usize, usize, &'static str)> = None;
    let mut consider = |position: usize, order: usize, id: &'static str| {
        if best.is_none_or(|(p, o, _)| (position, order) < (p, o)) {
            best = Some((position, order, id));
        }
    };
    for (order, rule) in RULES.iter().enumerate() {
        if let Some(position) = matches(&hay, rule) {
            consider(position, order, rule.id);
        }
    }
    // After the table in tie order, so that the more specific CeCILL-B and -C titles, which
    // begin with the plain title, win.
    if let Some((position, id)) = cecill(&hay) {
        consider(position, RULES.len(), id);
    }
    if let Some((position, id)) = gnu_notice(&hay) {
        consider(position, RULES.len() + 1, id);
    }
    best.map(|(_, _, id)| id)
}

fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// An `SPDX-License-Identifier: X` line naming a single known identifier. Expressions such
/// as `MIT OR Apache-2.0` are left to the text, since one identifier cannot express them.
fn declared(text: &str) -> Option<&'static str> {
    const TAG: &str = "spdx-license-identifier:";
    text.lines().find_map(|line| {
        // ASCII lowercasing keeps byte offsets, so the position found applies to `line`.
        let start = line.to_ascii_lowercase().find(TAG)? + TAG.len();
        let mut value = line[start..].trim();
        for closer in ["*/", "-->", "*)", "#}"] {
            value = value.strip_suffix(closer).unwrap_or(value).trim_end();
        }
        let value = value.trim_matches(|c| c == '(' || c == ')');
        if value.is_empty() || value.contains(char::is_whitespace) {
            return None;
        }
        known(value).or_else(|| {
            // `GPL-2.0+` is the deprecated spelling of `GPL-2.0-or-later`.
            let base = value.strip_suffix('+')?;
            known(&format!("{base}-or-later"))
        })
    })
}

fn known(id: &str) -> Option<&'static str> {
    KNOWN.iter().copied().find(|k| k.eq_ignore_ascii_case(id))
}

/// Lowercase words separated by single spaces, every other character dropped, so that the
/// same licence matches whatever its wrapping, quoting, comment markers (`#`, `*`, `//`) or
/// Markdown emphasis. A dot is kept only between digits, because version numbers such as
/// `2.1` are what tells many licences apart.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut previous: Option<char> = None;
    let mut gap = false;
    while let Some(c) = chars.next() {
        let keep_dot = c == '.'
            && previous.is_some_and(|p| p.is_ascii_digit())
            && chars.peek().is_some_and(|n| n.is_ascii_digit());
        if c.is_alphanumeric() || keep_dot {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_lowercase());
            previous = Some(c);
        } else {
            gap = true;
            previous = None;
        }
    }
    out
}

/// Where `phrase` occurs as whole words in `hay`, in order.
fn occurrences<'h>(hay: &'h str, phrase: &'h str) -> impl Iterator<Item = usize> + 'h {
    hay.match_indices(phrase).map(|(i, _)| i).filter(move |&i| {
        let end = i + phrase.len();
        (i == 0 || hay.as_bytes()[i - 1] == b' ') && (end == hay.len() || hay.as_bytes()[end] == b' ')
    })
}

fn find_phrase(hay: &str, phrase: &str) -> Option<usize> {
    occurrences(hay, phrase).next()
}

fn matches(hay: &str, rule: &Rule) -> Option<usize> {
    let position = rule.anchors.iter().filter_map(|a| find_phrase(hay, a)).min()?;
    let complete = rule.also.iter().all(|p| find_phrase(hay, p).is_some());
    let excluded = rule.unless.iter().any(|p| find_phrase(hay, p).is_some());
    (complete && !excluded).then_some(position)
}

fn words_after<'h>(hay: &'h str, position: usize, phrase: &str, count: usize) -> Vec<&'h str> {
    hay[position + phrase.len()..].split(' ').filter(|w| !w.is_empty()).take(count).collect()
}

fn cecill(hay: &str) -> Option<(usize, &'static str)> {
    CECILL_TITLES
        .iter()
        .filter_map(|title| {
            let position = find_phrase(hay, title)?;
            let words = words_after(hay, position, title, 2);
            let version = match words.as_slice() {
                ["version" | "v", v, ..] => *v,
                [v, ..] => v.strip_prefix('v')?,
                [] => return None,
            };
            let id = match version {
                "2.1" => "CECILL-2.1",
                "2.0" => "CECILL-2.0",
                _ => return None,
            };
            Some((position, id))
        })
        .min()
}

/// The notice the GNU licences ask projects to use ("... under the terms of the GNU General
/// Public License as published by the Free Software Foundation, either version 3 of the
/// License, or (at your option) any later version"), which is what says whether later
/// versions apply. A mere mention of the licence is not a notice: the version and the Free
/// Software Foundation's publication must follow the name closely.
fn gnu_notice(hay: &str) -> Option<(usize, &'static str)> {
    let mut found: Option<(usize, &'static str)> = None;
    for (name, versions) in GNU_NOTICES {
        for position in occurrences(hay, name) {
            if found.is_some_and(|(p, _)| p <= position) {
                break;
            }
            if let Some(id) = read_notice(&words_after(hay, position, name, NOTICE_WINDOW_WORDS), versions) {
                found = Some((position, id));
                break;
            }
        }
    }
    found
}

fn read_notice(words: &[&str], versions: &[(&str, &str)]) -> Option<&'static str> {
    if !words.windows(FSF_PUBLISHED.len()).any(|w| w == FSF_PUBLISHED) {
        return None;
    }
    let (at, stem) = words.iter().enumerate().find_map(|(i, word)| {
        let number = match *word {
            "version" | "v" => *words.get(i + 1)?,
            other => other.strip_prefix('v').filter(|n| n.starts_with(|c: char| c.is_ascii_digit()))?,
        };
        versions.iter().find(|(v, _)| *v == number).map(|(_, stem)| (i, *stem))
    })?;
    let later = words.iter().skip(at + 1).take(LATER_WINDOW_WORDS).any(|w| *w == "later");
    Some(gnu_identifier(stem, later))
}

fn gnu_identifier(stem: &str, later: bool) -> &'static str {
    match (stem, later) {
        ("AGPL-3.0", true) => "AGPL-3.0-or-later",
        ("AGPL-3.0", false) => "AGPL-3.0-only",
        ("LGPL-2.0", true) => "LGPL-2.0-or-later",
        ("LGPL-2.0", false) => "LGPL-2.0-only",
        ("LGPL-2.1", true) => "LGPL-2.1-or-later",
        ("LGPL-2.1", false) => "LGPL-2.1-only",
        ("LGPL-3.0", true) => "LGPL-3.0-or-later",
        ("LGPL-3.0", false) => "LGPL-3.0-only",
        ("GPL-2.0", true) => "GPL-2.0-or-later",
        ("GPL-2.0", false) => "GPL-2.0-only",
        ("GPL-3.0", true) => "GPL-3.0-or-later",
        _ => "GPL-3.0-only",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIT: &str = "MIT License

Copyright (c) 2024 Direction interministérielle du numérique

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the \"Software\"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
";

    const ISC: &str = "ISC License

Copyright (c) 2023, Ville de Paris

Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.

THE SOFTWARE IS PROVIDED \"AS IS\" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
";

    const ZERO_BSD: &str = "Copyright (C) 2022 by someone

Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted.

THE SOFTWARE IS PROVIDED \"AS IS\" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES
";

    const BSD_2: &str = "BSD 2-Clause License

Copyright (c) 2021, Région Occitanie

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.
";

    fn bsd_3() -> String {
        format!(
            "{BSD_2}
3. Neither the name of the copyright holder nor the names of its
   contributors may be used to endorse or promote products derived from
   this software without specific prior written permission.
"
        )
    }

    const APACHE_FULL: &str = "
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION

   1. Definitions.
";

    const APACHE_HEADER: &str = "Copyright 2020 Etalab

Licensed under the Apache License, Version 2.0 (the \"License\");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0
";

    const GPL_3: &str = "                    GNU GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>
 Everyone is permitted to copy and distribute verbatim copies
 of this license document, but changing it is not allowed.

                            Preamble

  The GNU General Public License is a free, copyleft license for
software and other kinds of works.
";

    /// The GPL's own appendix shows the "or any later version" notice as an example; it
    /// must not make the text read as a project's choice.
    const GPL_3_APPENDIX: &str = "
  If you develop a new program, and you want it to be of the greatest
possible use to the public, the best way to achieve this is to make it
free software which everyone can redistribute and change under these terms.

    This program is free software: you can redistribute it and/or modify
    it under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.
";

    const GPL_2: &str = "                    GNU GENERAL PUBLIC LICENSE
                       Version 2, June 1991

 Copyright (C) 1989, 1991 Free Software Foundation, Inc.,
 51 Franklin Street, Fifth Floor, Boston, MA 02110-1301 USA

                            Preamble

  The licenses for most software are designed to take away your
freedom to share and change it.  By contrast, the GNU General Public
License is intended to guarantee your freedom to share and change free
software--to make sure the software is free for all its users.
";

    const AGPL_3: &str = "                    GNU AFFERO GENERAL PUBLIC LICENSE
                       Version 3, 19 November 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>

                            Preamble

  The GNU Affero General Public License is a free, copyleft license for
software and other kinds of works, specifically designed to ensure
cooperation with the community in the case of network server software.
";

    const LGPL_3: &str = "                   GNU LESSER GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>

  This version of the GNU Lesser General Public License incorporates
the terms and conditions of version 3 of the GNU General Public
License, supplemented by the additional permissions listed below.
";

    const LGPL_2_1: &str = "                  GNU LESSER GENERAL PUBLIC LICENSE
                       Version 2.1, February 1999

 Copyright (C) 1991, 1999 Free Software Foundation, Inc.

[This is the first released version of the Lesser GPL.  It also counts
 as the successor of the GNU Library Public License, version 2, hence
 the version number 2.1.]

                            Preamble

  The licenses for most software are designed to take away your
freedom to share and change it.  By contrast, the GNU General Public
Licenses are intended to guarantee your freedom to share and change
free software--to make sure the software is free for all its users.

  This license, the Lesser General Public License, applies to some
specially designated software packages--typically libraries--of the
Free Software Foundation and other authors who decide to use it.
";

    const MPL_2: &str = "Mozilla Public License Version 2.0
==================================

1. Definitions
--------------

1.1. \"Contributor\"
    means each individual or legal entity that creates, contributes to
    the creation of, or owns Covered Software.
";

    const EUPL_1_2: &str = "                      EUROPEAN UNION PUBLIC LICENCE v. 1.2
                      EUPL © the European Union 2007, 2016

This European Union Public Licence (the ‘EUPL’) applies to the Work (as defined
below) which is provided under the terms of this Licence.
";

    const EUPL_1_1: &str = "European Union Public Licence
V. 1.1

EUPL © the European Community 2007

This European Union Public Licence (the \"EUPL\") applies to the Work or Software
(as defined below) which is provided under the terms of this Licence.
";

    const CECILL_2_1: &str = "
  CONTRAT DE LICENCE DE LOGICIEL LIBRE CeCILL

Version 2.1 du 2013-06-21

Avertissement

Ce contrat est une licence de logiciel libre issue d'une concertation
entre ses auteurs afin que le respect de deux grands principes préside à
sa rédaction.
";

    /// The English CeCILL 2.1 defines "GNU GPL" with wording close to a GNU notice; the
    /// CeCILL title before it must decide.
    const CECILL_2_1_EN: &str = "CeCILL FREE SOFTWARE LICENSE AGREEMENT

Version 2.1 dated 2013-06-21

GNU GPL: means the GNU General Public License version 2 or any subsequent
version, as published by the Free Software Foundation Inc.
";

    const CECILL_B: &str = "CONTRAT DE LICENCE DE LOGICIEL LIBRE CeCILL-B

Avertissement

Ce contrat est une licence de logiciel libre issue d'une concertation
entre ses auteurs afin que le respect de deux grands principes préside à
sa rédaction.
";

    const CECILL_C: &str = "CeCILL-C FREE SOFTWARE LICENSE AGREEMENT

Notice

This Agreement is a free software license agreement that is the result
of discussions between its authors.
";

    const UNLICENSE: &str = "This is free and unencumbered software released into the public domain.

Anyone is free to copy, modify, publish, use, compile, sell, or
distribute this software, either in source code form or as a compiled
binary, for any purpose, commercial or non-commercial, and by any
means.
";

    const CC0: &str = "Creative Commons Legal Code

CC0 1.0 Universal

    CREATIVE COMMONS CORPORATION IS NOT A LAW FIRM AND DOES NOT PROVIDE
    LEGAL SERVICES.
";

    const ZLIB: &str = "This software is provided 'as-is', without any express or implied
warranty.  In no event will the authors be held liable for any damages
arising from the use of this software.

Permission is granted to anyone to use this software for any purpose,
including commercial applications, and to alter it and redistribute it
freely, subject to the following restrictions:

1. The origin of this software must not be misrepresented; you must not
   claim that you wrote the original software.
";

    const BSL: &str = "Boost Software License - Version 1.0 - August 17th, 2003

Permission is hereby granted, free of charge, to any person or organization
obtaining a copy of the software and accompanying documentation covered by
this license (the \"Software\") to use, reproduce, display, distribute,
execute, and transmit the Software.
";

    #[test]
    fn recognises_full_texts() {
        let cases: &[(&str, &str)] = &[
            (MIT, "MIT"),
            (ISC, "ISC"),
            (ZERO_BSD, "0BSD"),
            (BSD_2, "BSD-2-Clause"),
            (APACHE_FULL, "Apache-2.0"),
            (GPL_3, "GPL-3.0"),
            (GPL_2, "GPL-2.0"),
            (AGPL_3, "AGPL-3.0"),
            (LGPL_3, "LGPL-3.0"),
            (LGPL_2_1, "LGPL-2.1"),
            (MPL_2, "MPL-2.0"),
            (EUPL_1_2, "EUPL-1.2"),
            (EUPL_1_1, "EUPL-1.1"),
            (CECILL_2_1, "CECILL-2.1"),
            (CECILL_2_1_EN, "CECILL-2.1"),
            (CECILL_B, "CECILL-B"),
            (CECILL_C, "CECILL-C"),
            (UNLICENSE, "Unlicense"),
            (CC0, "CC0-1.0"),
            (ZLIB, "Zlib"),
            (BSL, "BSL-1.0"),
        ];
        for (text, id) in cases {
            assert_eq!(recognise(text), Some(*id), "{text}");
        }
        assert_eq!(recognise(&bsd_3()), Some("BSD-3-Clause"));
    }

    #[test]
    fn apache_header_alone_is_apache() {
        assert_eq!(recognise(APACHE_HEADER), Some("Apache-2.0"));
        // The full text's appendix quotes the header; still one licence.
        assert_eq!(recognise(&format!("{APACHE_FULL}\n{APACHE_HEADER}")), Some("Apache-2.0"));
    }

    #[test]
    fn full_gnu_text_is_not_read_as_its_example_notice() {
        assert_eq!(recognise(&format!("{GPL_3}\n{GPL_3_APPENDIX}")), Some("GPL-3.0"));
    }

    #[test]
    fn gnu_notices_tell_only_from_or_later() {
        let agpl_later = "Copyright (C) 2024 DINUM

This program is free software: you can redistribute it and/or modify
it under the terms of the GNU Affero General Public License as published
by the Free Software Foundation, either version 3 of the License, or
(at your option) any later version.

This program is distributed in the hope that it will be useful,
but WITHOUT ANY WARRANTY; without even the implied warranty of
MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.";
        assert_eq!(recognise(agpl_later), Some("AGPL-3.0-or-later"));

        let agpl_only = "This program is free software: you can redistribute it and/or modify
it under the terms of the GNU Affero General Public License as published by
the Free Software Foundation, version 3 of the License.

This program is distributed in the hope that it will be useful.";
        assert_eq!(recognise(agpl_only), Some("AGPL-3.0-only"));

        let gpl_2_later = "This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation; either version 2 of the License, or
(at your option) any later version.";
        assert_eq!(recognise(gpl_2_later), Some("GPL-2.0-or-later"));

        let gpl_2_only = "This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License version 2 as
published by the Free Software Foundation.";
        assert_eq!(recognise(gpl_2_only), Some("GPL-2.0-only"));

        let gpl_3_later = "    This program is free software: you can redistribute it and/or modify
    it under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.";
        assert_eq!(recognise(gpl_3_later), Some("GPL-3.0-or-later"));

        let lgpl_2_1_later = "This library is free software; you can redistribute it and/or
modify it under the terms of the GNU Lesser General Public
License as published by the Free Software Foundation; either
version 2.1 of the License, or (at your option) any later version.";
        assert_eq!(recognise(lgpl_2_1_later), Some("LGPL-2.1-or-later"));

        let lgpl_3_only = "This library is free software: you can redistribute it and/or modify it
under the terms of the GNU Lesser General Public License as published by the
Free Software Foundation, version 3 of the License.";
        assert_eq!(recognise(lgpl_3_only), Some("LGPL-3.0-only"));
    }

    #[test]
    fn notice_before_the_full_text_decides() {
        let notice = "This program is free software: you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation, either version 3 of the License, or
(at your option) any later version.

";
        assert_eq!(recognise(&format!("{notice}{GPL_3}{GPL_3_APPENDIX}")), Some("GPL-3.0-or-later"));
    }

    #[test]
    fn gnu_licences_are_not_confused() {
        // The LGPL builds on the GPL and names it; the AGPL's title contains GPL words.
        assert_eq!(recognise(LGPL_3), Some("LGPL-3.0"));
        assert_eq!(recognise(&format!("{LGPL_3}\n{GPL_3}")), Some("LGPL-3.0"));
        assert_eq!(recognise(LGPL_2_1), Some("LGPL-2.1"));
        assert_eq!(recognise(AGPL_3), Some("AGPL-3.0"));
        let mention = "This work may be combined with software under the GNU General Public License.";
        assert_eq!(recognise(mention), None);
    }

    #[test]
    fn bsd_and_permissive_variants_are_told_apart() {
        assert_eq!(recognise(BSD_2), Some("BSD-2-Clause"));
        assert_eq!(recognise(&bsd_3()), Some("BSD-3-Clause"));
        let bsd_4 = format!(
            "{}\n3. All advertising materials mentioning features or use of this software\n   must display the \
             following acknowledgement: This product includes software developed by X.\n",
            bsd_3()
        );
        assert_eq!(recognise(&bsd_4), Some("BSD-4-Clause"));
        assert_eq!(recognise(ISC), Some("ISC"));
        assert_eq!(recognise(MIT), Some("MIT"));
        assert_eq!(recognise(ZERO_BSD), Some("0BSD"));
        // MIT without its condition is MIT-0, which this module does not claim to know.
        let mit_0 = MIT.split("The above copyright").next().unwrap();
        assert_eq!(recognise(mit_0), None);
    }

    #[test]
    fn spdx_line_wins_when_known() {
        assert_eq!(recognise("// SPDX-License-Identifier: EUPL-1.2\n"), Some("EUPL-1.2"));
        assert_eq!(recognise("/* spdx-license-identifier: mit */"), Some("MIT"));
        assert_eq!(recognise("# SPDX-License-Identifier: GPL-2.0+"), Some("GPL-2.0-or-later"));
        assert_eq!(recognise(&format!("SPDX-License-Identifier: AGPL-3.0-only\n\n{AGPL_3}")), Some("AGPL-3.0-only"));
        // Unknown identifiers and expressions are not trusted; the text is read instead.
        assert_eq!(recognise("SPDX-License-Identifier: Made-Up-1.0"), None);
        assert_eq!(recognise(&format!("SPDX-License-Identifier: MIT OR Apache-2.0\n{MIT}")), Some("MIT"));
        assert_eq!(recognise("SPDX-License-Identifier:"), None);
    }

    #[test]
    fn formatting_does_not_matter() {
        let commented: String = MIT.lines().map(|l| format!(" * {l}\n")).collect();
        assert_eq!(recognise(&commented), Some("MIT"));
        let markdown = "# GNU Affero General Public License\n\n**Version 3, 19 November 2007**\n";
        assert_eq!(recognise(markdown), Some("AGPL-3.0"));
        assert_eq!(recognise(&MIT.replace('\n', "\r\n")), Some("MIT"));
    }

    #[test]
    fn unknown_and_odd_input() {
        assert_eq!(recognise(""), None);
        assert_eq!(recognise("   \n\n\t"), None);
        assert_eq!(recognise("All rights reserved. Do not copy."), None);
        assert_eq!(recognise("Tous droits réservés. 版权所有. 🦀 İ ß"), None);
        assert_eq!(recognise("GNU General Public License"), None);
        assert_eq!(recognise("gnu general public license as published by the free software foundation version"), None);
        assert_eq!(recognise("CONTRAT DE LICENCE DE LOGICIEL LIBRE CeCILL"), None);
        let huge = "ab ".repeat(MAX_SCAN_BYTES);
        assert_eq!(recognise(&huge), None);
        let huge_multibyte = "é".repeat(MAX_SCAN_BYTES);
        assert_eq!(recognise(&huge_multibyte), None);
    }

    #[test]
    fn phrases_are_written_normalised() {
        let phrases = RULES
            .iter()
            .flat_map(|r| r.anchors.iter().chain(r.also).chain(r.unless))
            .chain(CECILL_TITLES)
            .chain(GNU_NOTICES.iter().map(|(name, _)| name));
        for phrase in phrases {
            assert_eq!(&normalise(phrase), phrase);
        }
        for rule in RULES {
            assert!(known(rule.id).is_some(), "{}", rule.id);
        }
    }

    #[test]
    fn normalise_keeps_versions_and_drops_punctuation() {
        assert_eq!(normalise("  **Version 2.1,** \"Lesser\"  #  v.1.2. "), "version 2.1 lesser v 1.2");
        assert_eq!(normalise("L'Union Européenne"), "l union européenne");
    }
}
