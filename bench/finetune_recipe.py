"""The fine-tuning recipe's knobs as command-line options, shared by the fine-tuning benches.

`add_arguments(parser)` adds --layers, --max-tokens and --top-layers (0: the module's
default); `apply(args)` sets finetune.LAYERS, finetune.MAX_TOKENS and
ftstack.STACK_TOP_LAYERS from them, which the training and its cache keys read at call time.
"""

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layers", type=int, default=0, help="e5 layers kept (default finetune.LAYERS)")
    parser.add_argument("--max-tokens", type=int, default=0, help="tokens read (default finetune.MAX_TOKENS)")
    parser.add_argument(
        "--top-layers", type=int, default=0, help="layers trained (default ftstack.STACK_TOP_LAYERS)"
    )


def apply(args: argparse.Namespace) -> None:
    from aftersales.triage import finetune, ftstack

    finetune.LAYERS = args.layers or finetune.LAYERS
    finetune.MAX_TOKENS = args.max_tokens or finetune.MAX_TOKENS
    ftstack.STACK_TOP_LAYERS = args.top_layers or ftstack.STACK_TOP_LAYERS
