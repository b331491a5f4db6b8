// A Qwen3-style chat template (ChatML turns; earlier answers keep only what follows their
// thought, as Qwen3's own template does), for the tiny GGUFs of the reasoning tests. It
// mentions </think>, which is how a provider knows the model thinks (docs/protocol.md §4.2).
export const QWEN3_STYLE_TEMPLATE =
  "{%- for message in messages %}" +
  "{%- if message.role == 'assistant' and '</think>' in message.content %}" +
  "{{- '<|im_start|>assistant\\n' + message.content.split('</think>')[-1] + '<|im_end|>\\n' }}" +
  "{%- else %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endif %}" +
  "{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
