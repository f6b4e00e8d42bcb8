"""WeasyPrint's multi-column layout with its column balancing made cheaper, the columns it lays out unchanged.

The report's score cards flow down two balanced columns (``.cards { columns: 2 }`` in print). To balance them,
WeasyPrint 70.0's ``columns_layout`` lays every column out again at one trial height after another, from the average
column height up, each step the "lost space" it measured at a trial, or 1px when it measured none. In the sample
report it made about 800 column layouts for 17 multi-column boxes, most of them 1px apart (up to a first card taller
than the average, or while no column measured a lost space), and spent half of the document's layout time there.
While the columns split the same way (each ends where it did), a 1px trial repeats the last one: the same content
in each column, and no lost space measured, since a column's measured shortfall does not grow with the height
(``next box - (height - used)``: ``used`` grows at most as the height does). So ``_next_height`` lays out only the
1px trials at doubling steps, then bisects (each column is filled greedily from where the previous one ended, so
where each ends never moves back as the height grows), and the loop carries on at the first 1px trial whose split
differs: the height stepping reaches, the same float, hence the same pages. Steps of a measured lost space are
WeasyPrint's own: a column broken inside a box fills to its bottom, so what it measures moves with the height by
float noise and cannot be predicted without laying it out.

``columns_layout`` below is WeasyPrint 70.0's (``weasyprint/layout/column.py``, BSD-3-Clause, © Simon Sapin and
contributors, CourtBouillon) with that change, its lines marked ``pccreport:``. ``install`` puts it in place only over
that exact function (its source's SHA-256); any other WeasyPrint keeps its own.
"""

# columns_layout below keeps WeasyPrint's own layout and comments, so a diff against it shows only our change.

import hashlib
import inspect
from math import floor, inf

from weasyprint.layout.absolute import absolute_layout
from weasyprint.layout.column import _create_column_box, _report_footnotes
from weasyprint.layout.percent import percentage, resolve_percentages

# Where a column that laid out nothing ends, in a split; distinct from a resume_at (None when a column holds the rest).
NOTHING = "nothing laid out"
# SHA-256 of WeasyPrint 70.0's weasyprint.layout.column.columns_layout source, the function copied here.
UPSTREAM_SHA256 = "7a05cce3272fc581cf8d9352ebe07d4de51fb742dfccd6d2e86895ac0eca9691"


def install() -> bool:
    """Use this module's ``columns_layout`` in WeasyPrint's block layout if WeasyPrint's is the one it was copied
    from; returns whether it is in place (idempotent)."""
    import weasyprint.layout.block as block
    import weasyprint.layout.column as column

    if block.columns_layout is columns_layout:
        return True
    source = inspect.getsource(column.columns_layout)
    if hashlib.sha256(source.encode()).hexdigest() != UPSTREAM_SHA256:
        return False
    block.columns_layout = columns_layout
    return True


def _steps(height: float, max_height: float) -> list[float]:
    """The heights WeasyPrint's balancing loop steps through from ``height`` 1px at a time (``height += 1``, the same
    floats), up to the first over ``max_height``."""
    out = []
    while not out or out[-1] <= max_height:
        height += 1
        out.append(height)
    return out


def _next_height(context, column_box, count, height, max_height, position_y, skip_stack, containing_block,
                 page_is_empty, first_letter_style, first_line_style, original_excluded_shapes, here) -> float:
    """The height WeasyPrint's loop reaches from ``height`` by 1px steps (it measured no lost space there): the first
    whose layout splits the columns otherwise than ``here`` (where each column ended at ``height``), or the first
    over ``max_height``. Found by laying out the columns at doubling steps, then by bisection: each column is filled
    greedily from where the previous one ended, so where each ends never moves back as the height grows."""
    from weasyprint.layout.block import block_box_layout, remove_placeholders

    def split(h):
        """Where each column ends at height ``h`` (its resume_at: None when it holds the rest), state put back."""
        footnotes = (len(context.current_page_footnotes), len(context.reported_footnotes))
        ends, boxes, resume = [], [], skip_stack
        for _ in range(count):
            new_box, resume, _, _, _, _ = block_box_layout(
                context, column_box, context.page_bottom - position_y - h, resume, containing_block,
                page_is_empty, [], [], [], first_letter_style, first_line_style, discard=False, max_lines=None)
            if new_box is None:
                ends.append(NOTHING)
                break
            boxes.append(new_box)
            ends.append(resume)
            if resume is None:
                break
        remove_placeholders(context, boxes, [], [])
        while len(context.excluded_shapes) > len(original_excluded_shapes):
            context.excluded_shapes.pop()
        if footnotes != (len(context.current_page_footnotes), len(context.reported_footnotes)):
            return None  # footnotes moved: not a function of the height alone
        return ends

    steps = _steps(height, max_height)
    last = len(steps) - 1  # over max_height: the loop stops there without a layout
    lo, hi, step = -1, None, 1  # steps[lo] splits as here does (-1: height itself); steps[hi] does not
    while hi is None:
        probe = min(lo + step, last)
        if probe == last:
            hi = last
            break
        other = split(steps[probe])
        if other is None:
            return steps[0]  # WeasyPrint's own single step
        if other != here:
            hi = probe
        else:
            lo, step = probe, step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        other = split(steps[mid])
        if other is None:
            return steps[0]
        if other != here:
            hi = mid
        else:
            lo = mid
    return steps[hi]


def columns_layout(context, box, bottom_space, skip_stack, containing_block,
                   page_is_empty, absolute_boxes, fixed_boxes, adjoining_margins,
                   first_letter_style, first_line_style):
    """Lay out a multi-column ``box``."""
    from weasyprint.layout.block import (  # isort:skip
        block_box_layout, block_level_layout, block_level_width,
        collapse_margin, remove_placeholders)

    style = box.style
    width = style['column_width']
    count = style['column_count']
    height = style['height']
    original_bottom_space = bottom_space
    context.in_column = True

    if style['position'] == 'relative':
        # New containing block, use a new absolute list
        absolute_boxes = []

    box = box.copy_with_children(box.children)
    box.position_y += collapse_margin(adjoining_margins)

    # Set height if defined
    if height != 'auto' and height.unit != '%':
        assert height.unit.lower() == 'px'
        height_defined = True
        empty_space = context.page_bottom - box.content_box_y() - height.value
        bottom_space = max(bottom_space, empty_space)
    else:
        height_defined = False

    # TODO: the columns container width can be unknown if the containing block
    # needs the size of this block to know its own size
    block_level_width(box, containing_block)

    if style['column_gap'] == 'normal':
        # 1em because in column context
        gap = style['font_size']
    else:
        gap = percentage(style['column_gap'], box.style, box.width)

    # Define the number of columns and their widths
    if width == 'auto' and count != 'auto':
        width = max(0, box.width - (count - 1) * gap) / count
    elif width != 'auto' and count == 'auto':
        count = max(1, floor((box.width + gap) / (width + gap)))
        width = (box.width + gap) / count - gap
    else:  # overconstrained, with width != 'auto' and count != 'auto'
        count = max(1, min(count, floor((box.width + gap) / (width + gap))))
        width = (box.width + gap) / count - gap

    # Handle column-span property with the following structure:
    # columns_and_blocks = [
    #     [column_child_1, column_child_2],
    #     spanning_block,
    #     …
    # ]
    columns_and_blocks = []
    column_children = []
    skip, = skip_stack.keys() if skip_stack else (0,)
    for i, child in enumerate(box.children[skip:], start=skip):
        if child.style['column_span'] == 'all':
            if column_children:
                columns_and_blocks.append(
                    (i - len(column_children), column_children))
            columns_and_blocks.append((i, child.copy()))
            column_children = []
            continue
        column_children.append(child.copy())
    if column_children:
        columns_and_blocks.append(
            (i + 1 - len(column_children), column_children))

    if skip_stack:
        skip_stack = {0: skip_stack[skip]}

    if not box.children:
        next_page = {'break': 'any', 'page': None}
        skip_stack = None

    # Find height and balance.
    #
    # The current algorithm starts from the total available height, to check
    # whether the whole content can fit. If it doesn’t fit, we keep the partial
    # rendering. If it fits, we try to balance the columns starting from the
    # ideal height (the total height divided by the number of columns). We then
    # iterate until the last column is not the highest one. At the end of each
    # loop, we add the minimal height needed to make one direct child at the
    # top of one column go to the end of the previous column.
    #
    # We rely on a real rendering for each loop, and with a stupid algorithm
    # like this it can last minutes…

    adjoining_margins = []
    current_position_y = box.content_box_y()
    new_children = []
    column_skip_stack = None
    last_loop = False
    break_page = False
    footnote_area_heights = [
        0 if context.current_footnote_area.height == 'auto'
        else context.current_footnote_area.margin_height()]
    last_footnotes_height = 0
    for index, column_children_or_block in columns_and_blocks:
        if not isinstance(column_children_or_block, list):
            # We have a spanning block, we display it like other blocks
            block = column_children_or_block
            resolve_percentages(block, containing_block)
            block.position_x = box.content_box_x()
            block.position_y = current_position_y
            new_child, resume_at, next_page, adjoining_margins, _, _ = (
                block_level_layout(
                    context, block, original_bottom_space, skip_stack, containing_block,
                    page_is_empty, absolute_boxes, fixed_boxes, adjoining_margins,
                    first_letter_style, first_line_style))
            skip_stack = None
            if new_child is None:
                last_loop = True
                break_page = True
                break
            new_children.append(new_child)
            current_position_y = (
                new_child.border_height() + new_child.border_box_y())
            adjoining_margins.append(new_child.margin_bottom)
            if resume_at:
                last_loop = True
                break_page = True
                column_skip_stack = resume_at
                break
            page_is_empty = False
            continue

        # We have a list of children that we have to balance between columns
        column_children = column_children_or_block

        # Find the total height available for the first run
        current_position_y += collapse_margin(adjoining_margins)
        adjoining_margins = []
        column_box = _create_column_box(
            box, containing_block, column_children, width, current_position_y)
        height = max_height = (
            context.page_bottom - current_position_y - original_bottom_space)

        # Try to render columns until the content fits, increase the column
        # height step by step
        column_skip_stack = skip_stack
        lost_space = inf
        original_excluded_shapes = context.excluded_shapes[:]
        original_page_is_empty = page_is_empty
        page_is_empty = stop_rendering = balancing = False
        while True:
            # Remove extra excluded shapes introduced during the previous loop
            while len(context.excluded_shapes) > len(original_excluded_shapes):
                context.excluded_shapes.pop()

            # Render the columns
            column_skip_stack = skip_stack
            consumed_heights = []
            new_boxes = []
            ends = []  # pccreport: where each column ended (its resume_at, or NOTHING)
            for i in range(count):
                # Render one column
                new_box, resume_at, next_page, _, _, _ = block_box_layout(
                    context, column_box,
                    context.page_bottom - current_position_y - height,
                    column_skip_stack, containing_block,
                    page_is_empty or not balancing, [], [], [], first_letter_style,
                    first_line_style, discard=False, max_lines=None)
                if new_box is None:
                    # We didn't render anything, retry
                    column_skip_stack = {0: None}
                    ends.append(NOTHING)  # pccreport
                    break
                new_boxes.append(new_box)
                ends.append(resume_at)  # pccreport
                column_skip_stack = resume_at

                # Calculate consumed height, empty space and next box height
                in_flow_children = [
                    child for child in new_box.children
                    if child.is_in_normal_flow()]
                if in_flow_children:
                    # Get the empty space at the bottom of the column box
                    consumed_height = (
                        in_flow_children[-1].margin_height() +
                        in_flow_children[-1].position_y - current_position_y)
                    empty_space = height - consumed_height
                    consumed_height -= in_flow_children[-1].margin_bottom

                    # Get the minimum size needed to render the next box
                    next_box_height = 0
                    if column_skip_stack:
                        next_box = block_box_layout(
                            context, column_box, inf, column_skip_stack,
                            containing_block, True, [], [], [], first_letter_style,
                            first_line_style, discard=False, max_lines=None)[0]
                        for child in next_box.children:
                            if child.is_in_normal_flow():
                                next_box_height = child.margin_height()
                                break
                        remove_placeholders(context, [next_box], [], [])
                else:
                    consumed_height = empty_space = next_box_height = 0

                consumed_heights.append(consumed_height)

                # Append the size needed to render the next box in this
                # column.
                #
                # The next box size may be smaller than the empty space, for
                # example when the next box can't be separated from its own
                # next box. In this case we don't try to find the real value
                # and let the workaround below fix this for us.
                #
                # We also want to avoid very small values that may have been
                # introduced by rounding errors. As the workaround below at
                # least adds 1 pixel for each loop, we can ignore lost spaces
                # lower than 1px.
                if next_box_height - empty_space > 1:
                    lost_space = min(lost_space, next_box_height - empty_space)

                # Stop if we already rendered the whole content
                if resume_at is None:
                    break

            # Remove placeholders but keep the current footnote area height
            last_footnotes_height = (
                0 if context.current_footnote_area.height == 'auto'
                else context.current_footnote_area.margin_height())
            remove_placeholders(context, new_boxes, [], [])

            if last_loop:
                break

            if balancing:
                if column_skip_stack is None:
                    # We rendered the whole content, stop
                    break

                # Increase the column heights and render them again
                if lost_space == inf:
                    # pccreport: WeasyPrint's 1px steps, taken at once up to
                    # the first height where the columns split otherwise.
                    height = _next_height(
                        context, column_box, count, height, max_height,
                        current_position_y, skip_stack, containing_block,
                        page_is_empty, first_letter_style, first_line_style,
                        original_excluded_shapes, ends)
                else:
                    height += lost_space

                if height > max_height:
                    # We reached max height, stop rendering
                    height = max_height
                    stop_rendering = True
                    break
            else:
                if last_footnotes_height not in footnote_area_heights:
                    # Footnotes have been rendered, try to re-render with the
                    # new footnote area height
                    height -= last_footnotes_height - footnote_area_heights[-1]
                    footnote_area_heights.append(last_footnotes_height)
                    continue

                everything_fits = (
                    not column_skip_stack and
                    max(consumed_heights) <= max_height)
                if everything_fits:
                    # Everything fits, start expanding columns at the average
                    # of the column heights
                    if (style['column_fill'] == 'balance' or
                            index < columns_and_blocks[-1][0]):
                        balancing = True
                        height = sum(consumed_heights) / count
                    else:
                        break
                else:
                    # Content overflows even at maximum height, stop now and
                    # let the columns continue on the next page
                    stop_rendering = True
                    break

        # TODO: check style['max']-height
        bottom_space = max(
            bottom_space, context.page_bottom - current_position_y - height)

        # Replace the current box children with real columns
        i = 0
        max_column_height = 0
        columns = []
        while True:
            column_box = _create_column_box(
                box, containing_block, column_children, width,
                current_position_y)
            if style['direction'] == 'rtl':
                column_box.position_x += box.width - (i + 1) * width - i * gap
            else:
                column_box.position_x += i * (width + gap)
            new_child, column_skip_stack, column_next_page, _, _, _ = (
                block_box_layout(
                    context, column_box, bottom_space, skip_stack, containing_block,
                    original_page_is_empty, absolute_boxes, fixed_boxes, None,
                    first_letter_style, first_line_style, discard=False,
                    max_lines=None))
            if new_child is None:
                columns = []
                break_page = True
                break
            next_page = column_next_page
            skip_stack = column_skip_stack
            columns.append(new_child)
            max_column_height = max(
                max_column_height, new_child.margin_height())
            if skip_stack is None:
                bottom_space = original_bottom_space
                break
            i += 1
            if i == count and not height_defined:
                # [If] a declaration that constrains the column height
                # (e.g., using height or max-height). In this case,
                # additional column boxes are created in the inline
                # direction.
                break

        # Update the current y position and set the columns’ height
        current_position_y += min(max_height, max_column_height)
        for column in columns:
            column.height = max_column_height
            new_children.append(column)

        skip_stack = None
        page_is_empty = False

        if stop_rendering:
            break

    # Report footnotes above the defined footnotes height
    _report_footnotes(context, footnote_area_heights[-1])

    if box.children and not new_children:
        # The box has children but none can be drawn, let's skip the whole box
        context.in_column = False
        return None, (0, None), {'break': 'any', 'page': None}, [], False

    # Set the height of the containing box
    box.children = new_children
    current_position_y += collapse_margin(adjoining_margins)
    height = current_position_y - box.content_box_y()
    if box.height == 'auto':
        box.height = height
        height_difference = 0
    else:
        height_difference = box.height - height

    # Update the latest columns’ height to respect min-height
    if box.min_height != 'auto' and box.min_height > box.height:
        height_difference += box.min_height - box.height
        box.height = box.min_height
    for child in new_children[::-1]:
        if child.is_column:
            child.height += height_difference
        else:
            break

    if style['position'] == 'relative':
        # New containing block, resolve the layout of the absolute descendants
        for absolute_box in absolute_boxes:
            absolute_layout(
                context, absolute_box, box, fixed_boxes, bottom_space,
                skip_stack=None)

    # Calculate skip stack
    if column_skip_stack:
        skip, = column_skip_stack.keys()
        skip_stack = {index + skip: column_skip_stack[skip]}
    elif break_page:
        skip_stack = {index: None}

    # Update page bottom according to the new footnotes
    if context.current_footnote_area.height != 'auto':
        context.page_bottom += footnote_area_heights[0]
        context.page_bottom -= context.current_footnote_area.margin_height()

    context.in_column = False
    return box, skip_stack, next_page, [], False

