//! Arbitrary coach messages render within every Block Kit limit, buttons on the first message only.

use proptest::prelude::*;

use super::*;
use crate::platform::arbitrary;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_message_renders_within_slacks_limits(blocks in arbitrary::blocks("[a-z0-9:]{0,260}")) {
        let message = Message { blocks };
        let out = checked(&message);
        let has_buttons = out[0]["blocks"].as_array().is_some_and(|b| b.iter().any(|b| b["type"] == "actions"));
        for m in &out[1..] {
            prop_assert!(blocks_of(m, "actions").is_empty(), "buttons after the first message");
        }
        let pressable = message.blocks.iter().any(|b| matches!(b, Block::Buttons(row)
            if row.iter().any(|b| !b.id.is_empty() && b.id.len() <= ACTION_ID_MAX)));
        prop_assert_eq!(has_buttons, pressable);
    }
}
