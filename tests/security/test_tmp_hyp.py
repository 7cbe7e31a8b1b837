import asyncio
import pytest
from hypothesis import given, settings, strategies as st

@pytest.fixture(scope="module")
async def thing():
    yield asyncio.get_running_loop()

@settings(max_examples=5, deadline=None)
@given(x=st.integers())
async def test_h(thing, x):
    assert asyncio.get_running_loop() is thing
    await asyncio.sleep(0)
